"""Rebuilt from scratch, the callbacks equal what the syncs and people's actions made of them one
by one: checked on a long simulated history with late calls and actions in between."""

import random
from datetime import timedelta

import pytest

from accounts.roles import Role
from accounts.testing import make_user
from monitoring.callbacks import derive
from monitoring.models import Call, Callback, CallbackAction
from monitoring.tests.callback_data import WEDNESDAY, at, call, snapshot

pytestmark = pytest.mark.django_db

NUMBERS = [f"90{n:07d}" for n in range(25)]
WRITTEN = ["{n}", "998{n}", "+998 {n}"]


def simulated_history(rng: random.Random, pbx, operators, days=8, per_day=60):
    """(arrival order, events): calls as the syncs store them, some a sync or two late, and
    people's actions at their moments."""
    events = []
    start = at("07:00", WEDNESDAY)
    for n in range(days * per_day):
        moment = start + timedelta(minutes=n * (24 * 60 // per_day) + rng.randint(0, 20))
        number = rng.choice(NUMBERS)
        kind = rng.random()
        if kind < 0.45:
            spec = ("inbound", rng.choice(["no_answer", "busy", "voicemail"]))
        elif kind < 0.65:
            spec = ("inbound", "answered")
        elif kind < 0.85:
            spec = ("outbound", "answered")
        else:
            spec = ("outbound", "no_answer")
        # A call stored late: up to three hours after it happened.
        arrives = moment + timedelta(minutes=rng.choice([1, 1, 1, 30, 180]))
        events.append((arrives, "call", (moment, *spec, number)))
        if rng.random() < 0.3:
            action_at = moment + timedelta(minutes=rng.randint(1, 60))
            events.append((action_at, "action", (action_at, number, rng.choice(operators))))
    events.sort(key=lambda event: event[0])
    return events


def action_for(rng: random.Random, moment, number, user):
    kind = rng.choice(["claim", "claim", "assign", "outcome"])
    fields = {"number": number, "at": moment, "kind": kind, "user": user, "extension": "101"}
    if kind == "assign":
        fields["assignee"] = user
    if kind == "outcome":
        fields["outcome"] = rng.choice(["reached", "no_answer", "no_answer", "wrong_number"])
    return CallbackAction.objects.create(**fields)


def test_a_rebuild_equals_the_incremental_result_on_a_long_history(pbx):
    rng = random.Random(19)
    operators = [make_user(f"op{n}", Role.OPERATOR, extensions=f"10{n}", pbx=pbx) for n in range(3)]
    pending: list = []
    for _arrives, kind, details in simulated_history(rng, pbx, operators):
        if kind == "call":
            moment, direction, status, number = details
            written = rng.choice(WRITTEN).format(n=number)
            pending.append(call(pbx, moment, direction, status, written))
            if rng.random() < 0.5:  # a sync stores a page of a few calls at once
                continue
            rows = Call.objects.filter(pk__in=[c.pk for c in pending]).values(
                "external_number", "direction", "started_at"
            )
            derive.refresh(derive.touched(rows))
            pending = []
        else:
            moment, number, user = details
            action = action_for(rng, moment, number, user)
            derive.refresh({number: action.at})
    rows = Call.objects.filter(pk__in=[c.pk for c in pending]).values(
        "external_number", "direction", "started_at"
    )
    derive.refresh(derive.touched(rows))
    incremental = snapshot()
    assert len(incremental) > 50
    closed = {row[FIELD_RESOLUTION] for row in incremental}
    assert {"called_back", "called_again", "reached"} <= closed
    assert any(row[FIELD_OWNER] is not None for row in incremental)

    Callback.objects.all().delete()
    derive.rebuild()
    assert snapshot() == incremental


FIELD_RESOLUTION = derive.FIELDS.index("resolution")
FIELD_OWNER = derive.FIELDS.index("owner_id")
