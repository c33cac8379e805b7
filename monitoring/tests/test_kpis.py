"""The dashboard's KPI queries over a known day of calls."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from monitoring import kpis
from monitoring.models import Call
from monitoring.periods import days_period
from monitoring.tests.dashboard_data import DAY, TASHKENT, expected, local, make_day
from monitoring.tests.factories import described_call

DAY_ONE = date(2025, 3, 10)


@pytest.fixture
def day(pbx):
    make_day(pbx, DAY_ONE)
    return days_period(DAY_ONE, DAY_ONE)


def plain_peak():
    """The most overlapping [start, start + total) intervals, checked at every start."""
    intervals = [
        (local(DAY_ONE, c[0]), local(DAY_ONE, c[0]) + timedelta(seconds=c[3])) for c in DAY
    ]
    return max(sum(s <= start < e for s, e in intervals) for start, _ in intervals)


def test_it_counts_every_tile_of_a_known_day(day):
    want = expected()
    got = kpis.summary(day)
    assert got.total == want["total"] == 9
    assert got.inbound == want["inbound"] == 6
    assert got.outbound == want["outbound"] == 2
    assert got.internal == want["internal"] == 1
    assert got.inbound_answered == want["inbound_answered"] == 2
    assert got.inbound_missed == want["inbound_missed"] == 4
    assert got.inbound_within_service_level == want["within"] == 1
    assert got.service_level == pytest.approx(want["service_level"])
    assert got.average_wait == pytest.approx(want["average_wait"])
    assert got.longest_wait == want["longest_wait"] == 30
    assert got.answered == want["answered"] == 5
    assert got.total_talk == want["total_talk"] == 325
    assert got.average_talk == pytest.approx(want["average_talk"])


def test_it_counts_a_call_at_2330_utc_on_the_next_local_day(pbx):
    described_call(
        pbx, datetime(2025, 3, 9, 23, 30, tzinfo=UTC), "inbound", "no_answer", 10, 0, "9011"
    )
    assert kpis.summary(days_period(DAY_ONE, DAY_ONE)).inbound_missed == 1
    previous = date(2025, 3, 9)
    assert kpis.summary(days_period(previous, previous)).total == 0
    buckets = kpis.activity(days_period(DAY_ONE, DAY_ONE)).buckets
    assert [b.start.hour for b in buckets if b.inbound_missed] == [4]


def test_it_leaves_out_the_calls_just_outside_the_day(day):
    # make_day also created calls at 23:59:59 the day before and 00:00:00 the day after.
    assert kpis.summary(day).total == len(DAY)


@override_settings(SERVICE_LEVEL_SECONDS=30)
def test_it_uses_the_configured_service_level_threshold(day):
    got = kpis.summary(day)
    assert got.inbound_within_service_level == expected(30)["within"] == 2
    assert got.service_level_seconds == 30


def test_it_counts_a_wait_equal_to_the_threshold_as_within(pbx):
    described_call(pbx, local(DAY_ONE, "10:00:00"), "inbound", "answered", 50, 30, "9011")
    got = kpis.summary(days_period(DAY_ONE, DAY_ONE))
    assert got.inbound_within_service_level == 1
    assert got.service_level == 100


def test_it_has_no_service_level_without_inbound_calls(pbx):
    described_call(pbx, local(DAY_ONE, "10:00:00"), "outbound", "answered", 50, 40, "9011", "101")
    got = kpis.summary(days_period(DAY_ONE, DAY_ONE))
    assert got.inbound == 0
    assert got.service_level is None
    assert got.average_wait is None
    assert got.longest_wait is None


def test_it_has_zeroes_for_an_empty_period(db):
    got = kpis.summary(days_period(DAY_ONE, DAY_ONE))
    assert (got.total, got.total_talk, got.average_talk) == (0, 0, None)
    assert kpis.peak_concurrency(days_period(DAY_ONE, DAY_ONE)) == (0, None)


def test_it_finds_the_peak_of_concurrent_calls(day):
    peak, at = kpis.peak_concurrency(day)
    assert peak == plain_peak() == 3
    assert at.astimezone(TASHKENT).strftime("%H:%M:%S") == expected()["peak_at"]


def test_it_does_not_count_a_call_that_ended_as_the_next_began(pbx):
    described_call(pbx, local(DAY_ONE, "10:00:00"), "inbound", "answered", 60, 50, "9011")
    described_call(pbx, local(DAY_ONE, "10:01:00"), "inbound", "answered", 60, 50, "9022")
    assert kpis.peak_concurrency(days_period(DAY_ONE, DAY_ONE))[0] == 1


def test_it_lists_missed_numbers_not_called_back_most_recent_first(day):
    got = kpis.missed_not_called_back(day)
    assert [m.number for m in got] == expected()["not_called_back"]
    assert got[0].last_missed_at == local(DAY_ONE, "11:30:00")


def test_it_forgets_a_missed_number_once_called_back(pbx):
    described_call(pbx, local(DAY_ONE, "10:00:00"), "inbound", "no_answer", 20, 0, "9011")
    period = days_period(DAY_ONE, DAY_ONE)
    assert [m.number for m in kpis.missed_not_called_back(period)] == ["9011"]
    described_call(pbx, local(DAY_ONE, "10:05:00"), "outbound", "answered", 80, 60, "9011", "101")
    assert kpis.missed_not_called_back(period) == []


def test_it_forgets_a_missed_number_called_back_after_the_period(pbx):
    described_call(pbx, local(DAY_ONE, "18:00:00"), "inbound", "busy", 5, 0, "9011")
    described_call(
        pbx, local(DAY_ONE + timedelta(days=1), "09:00:00"), "inbound", "answered", 9, 5, "9011"
    )
    assert kpis.missed_not_called_back(days_period(DAY_ONE, DAY_ONE)) == []


def test_it_keeps_a_missed_number_whose_callback_was_not_answered(pbx):
    described_call(pbx, local(DAY_ONE, "10:00:00"), "inbound", "no_answer", 20, 0, "9011")
    described_call(pbx, local(DAY_ONE, "10:05:00"), "outbound", "no_answer", 30, 0, "9011", "101")
    assert [m.number for m in kpis.missed_not_called_back(days_period(DAY_ONE, DAY_ONE))] == [
        "9011"
    ]


def test_it_skips_a_number_whose_last_inbound_call_was_answered(pbx):
    described_call(pbx, local(DAY_ONE, "10:00:00"), "inbound", "no_answer", 20, 0, "9011")
    described_call(pbx, local(DAY_ONE, "10:10:00"), "inbound", "answered", 40, 30, "9011", "101")
    assert kpis.missed_not_called_back(days_period(DAY_ONE, DAY_ONE)) == []


def test_it_lists_a_number_missed_twice_once(pbx):
    described_call(pbx, local(DAY_ONE, "10:00:00"), "inbound", "no_answer", 20, 0, "9011")
    described_call(pbx, local(DAY_ONE, "10:10:00"), "inbound", "busy", 3, 0, "9011")
    got = kpis.missed_not_called_back(days_period(DAY_ONE, DAY_ONE))
    assert [(m.number, m.last_missed_at) for m in got] == [("9011", local(DAY_ONE, "10:10:00"))]


def test_it_counts_calls_per_local_hour(day):
    activity = kpis.activity(day)
    assert activity.by == "hour"
    assert len(activity.buckets) == 24
    got = {
        b.start.hour: (b.inbound_answered, b.inbound_missed, b.outbound)
        for b in activity.buckets
        if b.inbound_answered or b.inbound_missed or b.outbound
    }
    want = {}
    for clock, direction, status, *_ in DAY:
        hour = int(clock[:2])
        answered, missed, outbound = want.get(hour, (0, 0, 0))
        if direction == "inbound" and status == "answered":
            answered += 1
        elif direction == "inbound" and status != "answered":
            missed += 1
        elif direction == "outbound":
            outbound += 1
        else:
            continue
        want[hour] = (answered, missed, outbound)
    assert got == want


def test_it_counts_calls_per_local_day_over_several_days(pbx):
    described_call(
        pbx, datetime(2025, 3, 9, 23, 30, tzinfo=UTC), "inbound", "answered", 10, 5, "9011"
    )
    described_call(pbx, local(DAY_ONE, "12:00:00"), "outbound", "answered", 10, 5, "9022", "101")
    activity = kpis.activity(days_period(date(2025, 3, 9), date(2025, 3, 11)))
    assert activity.by == "day"
    assert [(b.start, b.inbound_answered, b.outbound) for b in activity.buckets] == [
        (date(2025, 3, 9), 0, 0),
        (date(2025, 3, 10), 1, 1),
        (date(2025, 3, 11), 0, 0),
    ]


def test_it_sums_up_each_extension(day):
    rows = {row["extension"]: row for row in kpis.per_extension(day)}
    assert set(rows) == {"101", "102", "103"}
    for extension, row in rows.items():
        mine = [c for c in DAY if c[6] == extension]
        answered = [c for c in mine if c[2] == "answered"]
        assert row["calls"] == len(mine)
        assert row["answered"] == len(answered)
        assert row["missed"] == sum(c[1] == "inbound" and c[2] != "answered" for c in mine)
        assert row["talk"] == sum(c[4] for c in mine)
        assert row["average_talk"] == pytest.approx(sum(c[4] for c in answered) / len(answered))


def test_it_sorts_the_extensions(day):
    assert [r["extension"] for r in kpis.per_extension(day, sort="-talk")] == ["102", "101", "103"]
    assert [r["extension"] for r in kpis.per_extension(day, sort="talk")] == ["103", "101", "102"]
    assert [r["extension"] for r in kpis.per_extension(day, sort="extension")] == [
        "101",
        "102",
        "103",
    ]


def test_it_ignores_an_unknown_sort(day):
    assert kpis.clean_extension_sort("password") == "-calls"
    assert kpis.clean_extension_sort("-missed") == "-missed"
    assert [r["calls"] for r in kpis.per_extension(day, sort="; drop table")] == [3, 3, 2]


def test_it_narrows_every_number_to_the_given_calls(day):
    from monitoring.models import Call

    only_101 = Call.objects.filter(extension="101")
    assert kpis.summary(day, only_101).total == 3
    assert [m.number for m in kpis.missed_not_called_back(day, only_101)] == ["903333333"]


@pytest.mark.parametrize("first", [1, 2, 25])
def test_the_first_missed_numbers_and_their_count_are_those_of_the_whole_list(pbx, first):
    for minute, number in enumerate(["9011", "9022", "9011", "9033", "9044"]):
        described_call(
            pbx, local(DAY_ONE, f"10:{minute:02d}:00"), "inbound", "no_answer", 20, 0, number
        )
    described_call(pbx, local(DAY_ONE, "11:00:00"), "inbound", "answered", 40, 30, "9044", "101")
    period = days_period(DAY_ONE, DAY_ONE)
    everyone = kpis.missed_not_called_back(period)
    assert [m.number for m in everyone] == ["9033", "9011", "9022"]
    assert kpis.missed_not_called_back_first(period, first=first) == (3, everyone[:first])


def test_no_missed_number_counts_zero(pbx):
    assert kpis.missed_not_called_back_first(days_period(DAY_ONE, DAY_ONE)) == (0, [])


def test_nothing_to_see_has_no_missed_number(pbx):
    day = days_period(DAY_ONE, DAY_ONE)
    assert kpis.missed_not_called_back_first(day, Call.objects.none()) == (0, [])
