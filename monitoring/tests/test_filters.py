"""The Calls page's filter form and the queryset it builds (monitoring.filters)."""

import datetime as dt

import pytest

from monitoring.filters import CallFilterForm, number_calls
from monitoring.models import CallStatus, Direction
from monitoring.tests.factories import DAY, day_query, local, make_call, matching


def test_it_keeps_only_the_calls_of_the_period(pbx):
    inside = make_call(pbx, local(DAY, 0, 5))
    late = make_call(pbx, local(DAY, 23, 59))
    make_call(pbx, local(DAY - dt.timedelta(days=1), 23, 59))
    make_call(pbx, local(DAY + dt.timedelta(days=1), 0, 0))
    assert sorted(matching(day_query())) == sorted([inside.pk, late.pk])


def test_it_counts_a_call_at_2330_utc_in_the_next_local_day(pbx):
    call = make_call(pbx, dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC))
    assert matching(day_query()) == [call.pk]


def test_it_filters_by_direction(pbx):
    inbound = make_call(pbx, direction=Direction.INBOUND)
    make_call(pbx, direction=Direction.OUTBOUND)
    assert matching(day_query(direction="inbound")) == [inbound.pk]


def test_it_filters_by_status(pbx):
    make_call(pbx, status=CallStatus.ANSWERED)
    busy = make_call(pbx, status=CallStatus.BUSY)
    assert matching(day_query(status="busy")) == [busy.pk]


def test_it_filters_by_extension_exactly(pbx):
    mine = make_call(pbx, extension="101")
    make_call(pbx, extension="1010")
    assert matching(day_query(extension=" 101 ")) == [mine.pk]


@pytest.mark.parametrize("typed", ["90 123", "+998 90 123", "99890123", "901-23", "+99890123"])
def test_it_finds_a_number_however_it_is_typed(pbx, typed):
    found = make_call(pbx, from_number="+998901234567", external_number="901234567")
    make_call(
        pbx,
        from_number="+998935554433",
        from_number_normalized="+998935554433",
        external_number="935554433",
    )
    assert matching(day_query(number=typed)) == [found.pk]


def test_it_finds_a_number_on_either_side(pbx):
    outbound = make_call(
        pbx,
        direction=Direction.OUTBOUND,
        from_number="101",
        from_number_normalized="101",
        to_number="0935554433",
        to_number_normalized="0935554433",
        external_number="935554433",
    )
    make_call(pbx)
    assert matching(day_query(number="93 555")) == [outbound.pk]


def test_it_filters_by_minimum_duration(pbx):
    make_call(pbx, total_seconds=59)
    long = make_call(pbx, total_seconds=60)
    assert matching(day_query(min_duration="60")) == [long.pk]


def test_it_combines_the_filters(pbx):
    wanted = make_call(
        pbx, status=CallStatus.NO_ANSWER, direction=Direction.INBOUND, extension="102"
    )
    make_call(pbx, status=CallStatus.NO_ANSWER, direction=Direction.INBOUND, extension="101")
    make_call(pbx, status=CallStatus.ANSWERED, direction=Direction.INBOUND, extension="102")
    make_call(pbx, status=CallStatus.NO_ANSWER, direction=Direction.OUTBOUND, extension="102")
    params = day_query(status="no_answer", direction="inbound", extension="102", number="90 12")
    assert matching(params) == [wanted.pk]


def test_it_sorts_by_time_and_by_duration(pbx):
    first = make_call(pbx, local(DAY, 9), total_seconds=300)
    second = make_call(pbx, local(DAY, 10), total_seconds=5)
    third = make_call(pbx, local(DAY, 11), total_seconds=100)
    assert matching(day_query()) == [third.pk, second.pk, first.pk]
    assert matching(day_query(sort="time")) == [first.pk, second.pk, third.pk]
    assert matching(day_query(sort="-duration")) == [first.pk, third.pk, second.pk]
    assert matching(day_query(sort="duration")) == [second.pk, third.pk, first.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "exploded"}, "status"),
        ({"direction": "sideways"}, "direction"),
        ({"sort": "price"}, "sort"),
        ({"per_page": "7"}, "per_page"),
        ({"min_duration": "-1"}, "min_duration"),
        ({"min_duration": "abc"}, "min_duration"),
    ],
)
def test_it_rejects_unknown_choices_and_bad_numbers(db, params, field):
    form = CallFilterForm(day_query(**params))
    assert not form.is_valid()
    assert field in form.errors


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"period": "custom", "start": "2026-03-10", "end": "2026-03-01"}, "end"),
        ({"period": "custom", "start": "2026-03-10"}, "end"),
        ({"period": "decade"}, "period"),
    ],
)
def test_it_rejects_bad_periods(db, params, field):
    form = CallFilterForm(params)
    assert not form.is_valid()
    assert field in form.period_form.errors


def test_a_number_history_matches_the_national_number(pbx):
    mine = make_call(pbx, external_number="901234567")
    older = make_call(pbx, local(DAY, 8), external_number="901234567")
    make_call(pbx, external_number="935554433")
    normalized, calls = number_calls("+998 90 123 45 67")
    assert normalized == "901234567"
    assert list(calls.values_list("pk", flat=True)) == [mine.pk, older.pk]
