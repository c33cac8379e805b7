"""The inbound-call index behind "who is calling": kept by every writer of calls, it gives the
figures the calls themselves give (``callers.figures``, the reference), whatever order the calls
arrive in, however they are corrected, moved or deleted.

Runs on SQLite and, with DATABASE_URL pointing at it, on PostgreSQL (the sync's own statement).
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.analytics import caller_figures, callers, inbound_index, prefixes
from monitoring.analytics.models import InboundCall
from monitoring.clock import rederive_start_times
from monitoring.models import Call
from monitoring.pbx_removal import remove_pbx
from monitoring.periods import days_period
from monitoring.retention import purge_calls
from monitoring.sync.writer import store_calls
from monitoring.tests.factories import described_call, make_pbx

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # Monday 05:00 in Tashkent
FIRST_DAY = date(2026, 3, 9)
POOL = ["901234567", "931112233", "712223344", "+79161234567", "551112233", ""]


def fields(hours: int, second: int, direction: str, number: str, status: str) -> dict:
    """A call's synced fields as the sync hands them to the writer."""
    inbound = direction == "inbound"
    return {
        "started_at": T0 + timedelta(hours=hours, seconds=second),
        "direction": direction,
        "from_number": number if inbound else "101",
        "from_number_normalized": number if inbound else "101",
        "from_name": "",
        "to_number": "101" if inbound else number,
        "to_number_normalized": "101" if inbound else number,
        "to_name": "",
        "extension": "101",
        "line": "",
        "external_number": number,
        "status": status,
        "status_code": None,
        "total_seconds": 30,
        "talk_seconds": 20 if status == "answered" else 0,
        "wait_seconds": 10,
        "raw": {"hours": hours, "second": second},
    }


# Hours of a day (UTC): 19:00 is local midnight, where periods begin and end.
HOURS = st.builds(
    lambda day, hour: 24 * day + hour, st.integers(0, 6), st.sampled_from([0, 18, 19, 20])
)
CALL = st.tuples(
    HOURS,  # many calls exactly 24 h apart, or on a period's edge
    st.sampled_from([0, 0, 1]),  # and many in the same second
    st.sampled_from(["inbound", "inbound", "inbound", "outbound"]),
    st.sampled_from(POOL),
    st.sampled_from(["answered", "answered", "no_answer", "busy"]),
)


def snapshot() -> list[tuple]:
    return list(
        InboundCall.objects.order_by("call_id").values_list(
            "call_id", "number", "origin", "started_at", "missed", "previous_at"
        )
    )


def assert_same_figures(days):
    for first, last in days:
        period = days_period(FIRST_DAY + timedelta(days=first), FIRST_DAY + timedelta(days=last))
        assert caller_figures.figures(period) == callers.figures(period), (first, last)
    # What every writer left is what indexing the calls from scratch gives.
    kept = snapshot()
    inbound_index.rebuild()
    assert snapshot() == kept


class Rollback(Exception):
    pass


SCENARIO = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SCENARIO
@given(
    data=st.data(),
    calls=st.lists(st.tuples(st.integers(0, 1), CALL), min_size=1, max_size=25),
    corrections=st.lists(st.tuples(st.integers(0, 24), CALL), max_size=6),
    ending=st.sampled_from(["none", "purge", "remove", "move"]),
    days=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=3),
)
def test_the_index_gives_the_figures_the_calls_give(db, data, calls, corrections, ending, days):
    days = [(min(pair), max(pair)) for pair in days]
    try:
        with transaction.atomic():
            pbxs = [make_pbx(name="First"), make_pbx(name="Second")]
            keyed = [(f"k{n}", pbx, call) for n, (pbx, call) in enumerate(calls)]
            # The calls arrive in any order, a few pages at a time (late calls among them)...
            order = data.draw(st.permutations(keyed))
            while order:
                size = data.draw(st.integers(1, len(order)))
                page, order = order[:size], order[size:]
                for pbx in (0, 1):
                    rows = {key: fields(*call) for key, at, call in page if at == pbx}
                    if rows:
                        store_calls(pbxs[pbx].pk, rows, timezone.now())
            # ... some are corrected by a later read (direction, number, time, status)...
            for index, call in corrections:
                key, pbx, _old = keyed[index % len(keyed)]
                store_calls(pbxs[pbx].pk, {key: fields(*call)}, timezone.now())
            # ... and the history ends by losing some.
            if ending == "purge":
                hours = data.draw(HOURS)
                purge_calls(T0 + timedelta(hours=hours), batch_size=3)
            elif ending == "remove":
                remove_pbx(pbxs[1], batch_size=3)
            elif ending == "move":
                moved = list(Call.objects.order_by("id")[: data.draw(st.integers(0, 5))])
                for call in moved:
                    call.started_at += timedelta(hours=data.draw(st.integers(-30, 30)))
                Call.objects.bulk_update(moved, ["started_at"])
                inbound_index.calls_changed(call.pk for call in moved)
            assert_same_figures(days)
            raise Rollback
    except Rollback:
        pass


def test_a_late_call_becomes_its_successors_previous_call(pbx):
    early = described_call(pbx, T0, "inbound", "answered", 30, 20, "901234567", "101")
    late = described_call(pbx, T0 + timedelta(hours=30), "inbound", "answered", 30, 20, "901234567")
    assert InboundCall.objects.get(call=late).previous_at == early.started_at

    between = T0 + timedelta(hours=10)
    store_calls(pbx.pk, {"late-arrival": fields(10, 0, "inbound", "901234567", "busy")}, between)

    rows = dict(InboundCall.objects.values_list("started_at", "previous_at"))
    assert rows == {T0: None, between: T0, late.started_at: between}


def test_a_purge_leaves_the_first_kept_call_without_a_previous_one(pbx):
    for hours in (0, 10, 40):
        described_call(pbx, T0 + timedelta(hours=hours), "inbound", "answered", 9, 5, "931112233")

    purge_calls(T0 + timedelta(hours=5))

    rows = dict(InboundCall.objects.values_list("started_at", "previous_at"))
    assert rows == {
        T0 + timedelta(hours=10): None,
        T0 + timedelta(hours=40): T0 + timedelta(hours=10),
    }


def test_removing_a_pbx_hands_its_calls_place_to_the_other_pbx_calls(pbx):
    other = make_pbx(name="Other")
    described_call(pbx, T0, "inbound", "answered", 9, 5, "931112233")
    described_call(other, T0 + timedelta(hours=1), "inbound", "answered", 9, 5, "931112233")
    last = described_call(pbx, T0 + timedelta(hours=2), "inbound", "answered", 9, 5, "931112233")

    remove_pbx(other)

    assert InboundCall.objects.get(call=last).previous_at == T0


def test_only_inbound_calls_are_indexed_and_a_changed_direction_follows(pbx):
    call = described_call(pbx, T0, "outbound", "answered", 9, 5, "931112233", "101")
    assert not InboundCall.objects.exists()

    call.direction = "inbound"
    call.status = "no_answer"
    call.save()

    assert snapshot() == [(call.pk, "931112233", "ucell", T0, True, None)]


def test_the_command_rebuilds_the_index_from_the_calls(pbx):
    for hours in (0, 3):
        described_call(pbx, T0 + timedelta(hours=hours), "inbound", "busy", 9, 0, "901234567")
    kept = snapshot()
    InboundCall.objects.update(previous_at=None, missed=False)

    call_command("rebuild_callers", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert snapshot() == kept


@given(
    prefix=st.sampled_from(
        [prefix for _kind, _label, found in prefixes.ORIGINS.values() for prefix in found]
    ),
    rest=st.text("0123456789", min_size=0, max_size=12),
    plus=st.sampled_from(["", "+", "+998"]),
)
def test_the_head_and_length_decide_every_number_of_the_table_as_its_whole_does(prefix, rest, plus):
    number = plus + prefix + rest
    head = number[: prefixes.DECIDING_CHARACTERS]
    assert prefixes.origin_of_head(head, len(number)) == prefixes.origin_of_national(number)


def test_every_origin_of_the_table_reaches_the_page_figures(pbx):
    numbers = {
        code: (
            found[0] + "1234567"
            if found
            else {"other": "551234567", "foreign": "+7916123"}.get(code, "")
        )
        for code, (_kind, _label, found) in prefixes.ORIGINS.items()
    }
    for number in numbers.values():
        described_call(pbx, T0 + timedelta(hours=12), "inbound", "answered", 9, 5, number, "101")
    period = days_period(FIRST_DAY, FIRST_DAY)

    found = caller_figures.figures(period)

    assert {row.code for row in found.origins} == set(prefixes.ORIGINS)
    assert found == callers.figures(period)


def test_a_call_at_the_very_start_of_the_period_is_its_numbers_first(pbx):
    start = days_period(FIRST_DAY + timedelta(days=1), FIRST_DAY + timedelta(days=1))
    for at in (start.start, start.start + timedelta(hours=1)):
        described_call(pbx, at, "inbound", "answered", 9, 5, "901234567", "101")

    found = caller_figures.figures(start)

    assert (found.returning.callers, found.returning.new) == (1, 1)
    assert found == callers.figures(start)


def test_start_times_read_again_in_another_zone_move_the_index_with_them(pbx):
    # Two numbers' calls; the PBX's clock turns out to be Tashkent's: every start moves 5 h back.
    for hours, number in ((0, "901234567"), (3, "931112233"), (4, "901234567"), (30, "901234567")):
        at = T0 + timedelta(hours=hours)
        described_call(
            pbx, at, "inbound", "answered", 9, 5, number, raw={"TIMESTAMP": at.timestamp()}
        )
    pbx.timestamps_timezone = "Asia/Tashkent"
    pbx.save()

    rederive_start_times(pbx)

    rows = sorted(InboundCall.objects.values_list("number", "started_at", "previous_at"))
    back = timedelta(hours=5)
    assert rows == [
        ("901234567", T0 - back, None),
        ("901234567", T0 + timedelta(hours=4) - back, T0 - back),
        ("901234567", T0 + timedelta(hours=30) - back, T0 + timedelta(hours=4) - back),
        ("931112233", T0 + timedelta(hours=3) - back, None),
    ]
