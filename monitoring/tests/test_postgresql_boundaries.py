"""The PostgreSQL-only statements at their edges: the dashboard's one-pass figures (a wait exactly
at the service-level threshold and one second over it, calls at 23:59:59 and 00:00:00 Tashkent
time), the missed calls counted in one statement, peak concurrency as a running sum, and the call
upsert. Each is held to figures worked out by hand, and to the plain ORM queries that answer the
same questions elsewhere. Run where DATABASE_URL points at PostgreSQL (`.ci/run`)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from monitoring import kpis
from monitoring.directory import Directory
from monitoring.models import Call
from monitoring.periods import days_period
from monitoring.sync.normalize import normalize_record
from monitoring.sync.writer import CallWriter, Page, store_calls
from monitoring.tests.factories import described_call

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TASHKENT = ZoneInfo("Asia/Tashkent")
DAY = dt.date(2026, 3, 10)  # a Tuesday
THRESHOLD = 20


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.SERVICE_LEVEL_SECONDS = THRESHOLD


def at(day: dt.date, clock: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=TASHKENT)


def answered(pbx, started_at, wait, extension, talk=30):
    return described_call(
        pbx, started_at, "inbound", "answered", wait + talk, talk, "901234567", extension
    )


def test_it_runs_on_postgresql():
    assert connection.vendor == "postgresql"


# -- The dashboard's figures ----------------------------------------------------------------------


@pytest.fixture
def edges(pbx):
    """A day's first and last second, the seconds either side of it, and the threshold's edge."""
    answered(pbx, at(DAY, "00:00:00"), THRESHOLD, "101")  # within the service level
    answered(pbx, at(DAY, "23:59:59"), THRESHOLD + 1, "102")  # one second too slow
    answered(pbx, at(DAY - dt.timedelta(days=1), "23:59:59"), 0, "103")  # the day before
    answered(pbx, at(DAY + dt.timedelta(days=1), "00:00:00"), 0, "104")  # the day after


def test_a_wait_at_the_threshold_counts_and_one_second_more_does_not(edges):
    summary, _activity, _extensions = kpis.dashboard_figures(days_period(DAY, DAY))
    assert (summary.total, summary.inbound, summary.inbound_answered) == (2, 2, 2)
    assert summary.inbound_within_service_level == 1
    assert summary.service_level == 50.0
    assert summary.longest_wait == THRESHOLD + 1
    assert summary.average_wait == THRESHOLD + 0.5


def test_the_first_and_last_second_of_a_day_fall_in_its_first_and_last_hour(edges):
    _summary, activity, extensions = kpis.dashboard_figures(days_period(DAY, DAY))
    by_hour = {bucket.start.hour: bucket.inbound_answered for bucket in activity.buckets}
    assert activity.by == "hour" and len(by_hour) == 24
    assert by_hour[0] == 1 and by_hour[23] == 1
    assert sum(by_hour.values()) == 2
    assert {row["extension"]: row["calls"] for row in extensions} == {"101": 1, "102": 1}


def test_over_several_days_each_edge_call_is_on_its_own_day(edges):
    period = days_period(DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1))
    summary, activity, _extensions = kpis.dashboard_figures(period)
    by_day = {bucket.start: bucket.inbound_answered for bucket in activity.buckets}
    assert by_day == {DAY - dt.timedelta(days=1): 1, DAY: 2, DAY + dt.timedelta(days=1): 1}
    assert summary.inbound_within_service_level == 3


@pytest.mark.parametrize("days", [(0, 0), (-1, 1)], ids=["one day", "three days"])
@pytest.mark.parametrize("sort", ["-calls", "extension", "-average_talk"])
def test_the_one_pass_figures_equal_the_plain_queries(edges, days, sort):
    period = days_period(DAY + dt.timedelta(days=days[0]), DAY + dt.timedelta(days=days[1]))
    summary, activity, extensions = kpis.dashboard_figures(period, sort=sort)
    assert summary == kpis.summary(period)
    assert activity == kpis.activity(period)
    assert extensions == kpis.per_extension(period, sort=sort)


def test_a_threshold_of_zero_counts_only_calls_answered_at_once(settings, edges):
    settings.SERVICE_LEVEL_SECONDS = 0
    period = days_period(DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1))
    summary, _activity, _extensions = kpis.dashboard_figures(period)
    assert summary.inbound_within_service_level == 2  # the calls of the days either side
    assert summary == kpis.summary(period)


# -- Missed calls not called back -----------------------------------------------------------------


def missed(pbx, started_at, number):
    return described_call(pbx, started_at, "inbound", "no_answer", 15, 0, number, "101")


def test_the_missed_calls_at_a_days_edges_are_counted_as_the_plain_query_lists_them(pbx):
    missed(pbx, at(DAY, "00:00:00"), "901000001")  # the day's first second: listed
    missed(pbx, at(DAY, "23:59:59"), "901000002")  # its last: called back a second later
    described_call(pbx, at(DAY + dt.timedelta(days=1), "00:00:00"), "outbound", "answered", 40, 30,
              "901000002", "101")  # fmt: skip
    missed(pbx, at(DAY - dt.timedelta(days=1), "23:59:59"), "901000003")  # the day before
    # Two misses of one number in the same second: listed once.
    missed(pbx, at(DAY, "12:00:00"), "901000004")
    missed(pbx, at(DAY, "12:00:00"), "901000004")
    period = days_period(DAY, DAY)
    count, first = kpis.missed_not_called_back_first(period, first=1)
    everyone = kpis.missed_not_called_back(period)
    assert [item.number for item in everyone] == ["901000004", "901000001"]
    assert count == 2 and first == everyone[:1]


# -- Peak concurrency -----------------------------------------------------------------------------


def call_lasting(pbx, started_at, seconds):
    return described_call(
        pbx, started_at, "inbound", "answered", seconds, seconds, "901234567", "101"
    )


def test_a_call_that_ends_as_another_starts_does_not_overlap_it(pbx):
    start = at(DAY, "00:00:00")
    call_lasting(pbx, start, 60)
    call_lasting(pbx, start + dt.timedelta(seconds=60), 30)
    assert kpis.peak_concurrency(days_period(DAY, DAY)) == (1, start)


def test_one_second_of_overlap_is_two_calls_at_once(pbx):
    start = at(DAY, "00:00:00")
    call_lasting(pbx, start, 60)
    call_lasting(pbx, start + dt.timedelta(seconds=59), 30)
    call_lasting(pbx, at(DAY, "23:59:59"), 3600)  # the day's last second, running past midnight
    assert kpis.peak_concurrency(days_period(DAY, DAY)) == (2, start + dt.timedelta(seconds=59))


def test_only_the_periods_calls_count_toward_its_peak(pbx):
    before = at(DAY - dt.timedelta(days=1), "23:59:59")
    call_lasting(pbx, before, 600)  # still going at midnight, but started the day before
    call_lasting(pbx, at(DAY, "00:00:00"), 60)
    call_lasting(pbx, at(DAY, "00:00:10"), 0)  # no duration: never in progress
    assert kpis.peak_concurrency(days_period(DAY, DAY)) == (1, at(DAY, "00:00:00"))
    assert kpis.peak_concurrency(days_period(DAY - dt.timedelta(days=1), DAY)) == (
        2,
        at(DAY, "00:00:00"),
    )


# -- The call upsert ------------------------------------------------------------------------------

DIRECTORY = Directory.build([{"TEL_NUM": "101"}])


def history_record(started_at: dt.datetime, **fields) -> dict:
    return {
        "TIMESTAMP": int(started_at.timestamp()),
        "FROM_NUM": "+998 90 123 45 67",
        "TO_NUM": "101",
        "CALL_DURATION": THRESHOLD + 30,
        "ANSWERED_DURATION": 30,
        "STATUS": 4,
        **fields,
    }


def page(**records) -> dict[str, dict]:
    return {key: normalize_record(record, DIRECTORY) for key, record in records.items()}


def test_calls_at_a_days_edges_are_stored_at_their_exact_moment_and_counted_on_their_day(pbx):
    first, last = at(DAY, "00:00:00"), at(DAY, "23:59:59")
    rows = page(first=history_record(first), last=history_record(last))
    assert store_calls(pbx.pk, rows, timezone.now()) == (2, 0)
    stored = dict(Call.objects.values_list("key", "started_at"))
    assert stored == {"first": first, "last": last}
    assert stored["first"].astimezone(dt.UTC) == dt.datetime(2026, 3, 9, 19, 0, tzinfo=dt.UTC)
    summary, _activity, _extensions = kpis.dashboard_figures(days_period(DAY, DAY))
    assert (summary.total, summary.inbound_within_service_level) == (2, 2)


def test_the_upsert_counts_a_one_second_change_and_nothing_else(pbx):
    start = at(DAY, "23:59:59")
    rows = page(edge=history_record(start), other=history_record(start))
    assert store_calls(pbx.pk, rows, timezone.now()) == (2, 0)
    assert store_calls(pbx.pk, rows, timezone.now()) == (0, 0)
    moved = page(edge=history_record(start + dt.timedelta(seconds=1)), other=history_record(start))
    assert store_calls(pbx.pk, moved, timezone.now()) == (0, 1)
    assert Call.objects.get(key="edge").started_at == at(DAY + dt.timedelta(days=1), "00:00:00")
    slower = page(edge=history_record(start, CALL_DURATION=THRESHOLD + 31))
    assert store_calls(pbx.pk, slower, timezone.now()) == (0, 1)
    assert Call.objects.get(key="edge").wait_seconds == THRESHOLD + 1


def test_a_writer_expecting_new_calls_still_counts_a_stored_one_at_the_edge(pbx):
    start = at(DAY, "00:00:00")
    writer = CallWriter(pbx.pk)
    assert writer.write(Page(page(a=history_record(start))), timezone.now()) == (1, 0)
    assert writer.expect_new
    both = page(a=history_record(start), b=history_record(start - dt.timedelta(seconds=1)))
    assert writer.write(Page(both), timezone.now()) == (1, 0)
    assert Call.objects.count() == 2
