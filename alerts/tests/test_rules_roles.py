"""Who receives what: an operator only the calls and callbacks of their own extensions on their
own PBX; the incidents (health, service level, inbound silence) only supervisors and
administrators; a user without a role nothing. Webhooks are the system's, not a person's."""

import datetime as dt

import pytest

from accounts.roles import Role
from accounts.testing import make_user
from alerts import outbox
from alerts.models import Channel, Notification, Rule
from alerts.tests.rules_setup import at, call, derive_all, run_task
from providers.tests.factories import make_pbx

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(pbx):
    other_pbx = make_pbx("Branch", host="10.0.0.9")
    return {
        "admin": make_user("aziza", Role.ADMINISTRATOR, email="aziza@example.uz"),
        "supervisor": make_user("sardor", Role.SUPERVISOR, email="sardor@example.uz"),
        "operator_101": make_user(
            "olga", Role.OPERATOR, extensions="101, 102", pbx=pbx, email="olga@example.uz"
        ),
        "operator_105": make_user(
            "oybek", Role.OPERATOR, extensions="105", pbx=pbx, email="oybek@example.uz"
        ),
        "operator_101_branch": make_user(
            "lola", Role.OPERATOR, extensions="101", pbx=other_pbx, email="lola@example.uz"
        ),
        "no_role": make_user("guest", None, email="guest@example.uz"),
    }


@pytest.fixture
def mail(db):
    return Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")


def rule_for(make_rule, kind, mail, people, **fields):
    rule = make_rule(kind, [mail], list(people.values()), **fields)
    Rule.objects.filter(pk=rule.pk).update(enabled_at=at("08:00"))
    return rule


def addressed(event: str) -> set[str]:
    return {row.user.username for row in Notification.objects.filter(event=event)}


def test_a_missed_call_reaches_the_operators_of_its_extension_on_its_pbx(
    make_rule, mail, people, pbx, monkeypatch
):
    rule_for(make_rule, Rule.Kind.MISSED_CALL, mail, people)
    missed = call(pbx, at("10:00"), "inbound", "no_answer", "+998901234567", extension="101")
    type(missed).objects.filter(pk=missed.pk).update(first_seen_at=at("10:01"))

    run_task(monkeypatch, at("10:02"))

    assert addressed("missed_call") == {"aziza", "sardor", "olga"}


def test_an_overdue_callback_reaches_the_operators_who_would_see_it(
    make_rule, mail, people, pbx, monkeypatch
):
    rule_for(make_rule, Rule.Kind.CALLBACK_OVERDUE, mail, people, overdue_minutes=30)
    call(pbx, at("10:00"), "inbound", "no_answer", "+998901234567", extension="105")
    derive_all()

    run_task(monkeypatch, at("10:30"))

    assert addressed("callback_overdue") == {"aziza", "sardor", "oybek"}


@pytest.mark.parametrize(
    "kind", [Rule.Kind.UNHEALTHY, Rule.Kind.SERVICE_LEVEL, Rule.Kind.INBOUND_SILENCE]
)
def test_incidents_reach_supervisors_and_administrators_only(make_rule, mail, people, kind):
    rule = rule_for(make_rule, kind, mail, people)

    outbox.enqueue(rule, "unhealthy", f"{kind}:1:opened", {"label": "x"})

    assert addressed("unhealthy") == {"aziza", "sardor"}


def test_a_webhook_receives_every_event(make_rule, people, pbx):
    hook = Channel.objects.create(
        kind=Channel.Kind.WEBHOOK, name="CRM", webhook_url="https://crm.example.uz/hook"
    )
    rule = make_rule(Rule.Kind.SERVICE_LEVEL, [hook], [people["operator_101"]])

    outbox.enqueue(rule, "service_level_low", "service_level:1:opened", {}, dt.datetime.now(dt.UTC))

    assert list(Notification.objects.values_list("address", flat=True)) == [
        "https://crm.example.uz/hook"
    ]
