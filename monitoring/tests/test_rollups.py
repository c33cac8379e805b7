"""The hourly rollup: the period figures read from it equal the figures counted from the calls.

Random calls of two PBXes are stored through the sync's writer (its PostgreSQL statement or its
ORM path): a first page, then late-arriving calls and records read again with other fields;
some are deleted by retention. For random periods (local days, or any minutes), zones (whole
hours, :30 and :45 from UTC, and one with summer time), service-level thresholds and narrowings,
every figure from the rollup equals the reference computed from the calls alone. Runs on SQLite
and, with DATABASE_URL, on PostgreSQL (its triggers are different code).
"""

import datetime as dt
import itertools

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import Role
from accounts.testing import make_user
from monitoring import kpis
from monitoring.analytics import heatmap as heatmaps
from monitoring.models import Call, CallHour, CallHourTotal, CallStatus, Direction
from monitoring.pbx_removal import remove_pbx
from monitoring.periods import Period, days_period
from monitoring.retention import purge_calls
from monitoring.rollups import figures
from monitoring.rollups.figures import split
from monitoring.sync.writer import CallWriter, page_preparer
from monitoring.tests.factories import make_call, make_pbx

pytestmark = pytest.mark.django_db

ZONES = ["Asia/Tashkent", "UTC", "Asia/Kolkata", "Asia/Kathmandu", "Europe/Berlin"]
# Eight days around Berlin's change to summer time (2026-03-29).
FIRST = dt.date(2026, 3, 25)
WINDOW_START = dt.datetime(2026, 3, 24, 12, tzinfo=dt.UTC)
WINDOW_MINUTES = 10 * 24 * 60
_keys = itertools.count(1)

call_fields = st.fixed_dictionaries(
    {
        "minute": st.integers(0, WINDOW_MINUTES),
        "second": st.integers(0, 59),
        "pbx": st.sampled_from([0, 1]),
        "direction": st.sampled_from([d.value for d in Direction]),
        "status": st.sampled_from([s.value for s in CallStatus]),
        "extension": st.sampled_from(["", "101", "102", "201"]),
        "line": st.sampled_from(["", "712000000", "712000001"]),
        "talk": st.integers(0, 400),
        "wait": st.sampled_from([0, 5, 6, 19, 20, 21, 30, 31, 44, 120, 181, 600]),
    }
)


def fields_of(call: dict) -> dict:
    """The writer's fields of a generated call (what normalize_record would give)."""
    started = WINDOW_START + dt.timedelta(minutes=call["minute"], seconds=call["second"])
    return {
        "started_at": started,
        "direction": call["direction"],
        "from_number": "+998901234567",
        "from_number_normalized": "+998901234567",
        "from_name": "",
        "to_number": call["extension"],
        "to_number_normalized": call["extension"],
        "to_name": "",
        "extension": call["extension"],
        "external_number": "901234567",
        "line": call["line"],
        "status": call["status"],
        "status_code": None,
        "total_seconds": call["talk"] + call["wait"],
        "talk_seconds": call["talk"],
        "wait_seconds": call["wait"],
        "raw": {"n": call["minute"]},
    }


def store(pbxes, calls: list[dict], keys: list[str]) -> None:
    """Store the calls through the sync's writer, one page per PBX."""
    prepare = page_preparer()
    for index, pbx in enumerate(pbxes):
        page = {
            key: fields_of(call)
            for key, call in zip(keys, calls, strict=True)
            if call["pbx"] == index
        }
        CallWriter(pbx.pk).write(prepare(page), timezone.now())


def assert_same_summary(rollup: kpis.Summary, reference: kpis.Summary) -> None:
    for name in ("average_wait", "average_talk"):
        assert getattr(rollup, name) == pytest.approx(getattr(reference, name)), name
        setattr(rollup, name, getattr(reference, name))
    assert rollup == reference


def assert_same_extensions(rollup: list[dict], reference: list[dict], sort: str) -> None:
    assert [row["extension"] for row in rollup] == [row["extension"] for row in reference]
    for mine, theirs in zip(rollup, reference, strict=True):
        assert mine["average_talk"] == pytest.approx(theirs["average_talk"])
        assert {**mine, "average_talk": 0} == {**theirs, "average_talk": 0}


def assert_same_heatmap(rollup, reference) -> None:
    assert rollup.service_level_seconds == reference.service_level_seconds
    for weekday, hours in reference.cells.items():
        for hour, cell in hours.items():
            mine = rollup.cells[weekday][hour]
            assert mine.average_wait == pytest.approx(cell.average_wait), (weekday, hour)
            assert (mine.offered, mine.missed, mine.answered, mine.within_service_level) == (
                cell.offered,
                cell.missed,
                cell.answered,
                cell.within_service_level,
            ), (weekday, hour)


def assert_figures_equal(period: Period, calls, sort: str, days: bool) -> None:
    assert_same_summary(figures.summary(period, calls), kpis.summary(period, calls))
    assert figures.count(period, calls) == kpis.calls_in(period, calls).count()
    assert_same_extensions(
        figures.per_extension(period, calls, sort), kpis.per_extension(period, calls, sort), sort
    )
    assert_same_heatmap(figures.heatmap(period, calls), heatmaps.heatmap_from_calls(period, calls))
    if days:  # the chart's buckets are the period's local days or hours
        assert figures.activity(period, calls) == kpis.activity(period, calls)
        summary, activity, extensions = figures.dashboard_figures(period, calls, sort)
        assert_same_summary(summary, kpis.summary(period, calls))
        assert activity == kpis.activity(period, calls)
        assert_same_extensions(extensions, kpis.per_extension(period, calls, sort), sort)


def rollup_rows() -> list[tuple]:
    """Both rollups' rows."""
    rows = []
    for model in (CallHour, CallHourTotal):
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        rows.append(sorted(model.objects.values_list(*fields)))
    return rows


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(call_fields, max_size=40),
    late=st.lists(call_fields, max_size=15),
    changed=st.lists(st.tuples(st.integers(0, 39), call_fields), max_size=8),
    retention_minute=st.none() | st.integers(0, WINDOW_MINUTES),
    zone=st.sampled_from(ZONES),
    threshold=st.sampled_from([20, 30, 25]),
    narrowing=st.sampled_from(["all", "pbx", "extensions", "pbx_extensions", "number"]),
    sort=st.sampled_from(["-calls", "extension", "-average_talk", "average_talk", "-missed"]),
    days=st.tuples(st.integers(0, 8), st.integers(0, 8)),
    minutes=st.tuples(st.integers(0, WINDOW_MINUTES), st.integers(0, WINDOW_MINUTES)),
)
def test_rollup_figures_equal_the_figures_of_the_calls(
    first, late, changed, retention_minute, zone, threshold, narrowing, sort, days, minutes
):
    with transaction.atomic():  # each example on its own: rolled back at the end
        check_example(
            first, late, changed, retention_minute, zone, threshold, narrowing, sort, days, minutes
        )
        transaction.set_rollback(True)


def check_example(
    first, late, changed, retention_minute, zone, threshold, narrowing, sort, days, minutes
):
    pbxes = [make_pbx("One"), make_pbx("Other")]
    keys = [f"c{next(_keys)}" for _ in first]
    store(pbxes, first, keys)
    # Calls that arrive late (any start time) and records read again with other fields.
    late_keys = [f"c{next(_keys)}" for _ in late]
    again = {keys[index]: {**call, "pbx": first[index]["pbx"]} for index, call in changed
             if index < len(first)}  # fmt: skip
    store(pbxes, late + list(again.values()), late_keys + list(again))
    if retention_minute is not None:
        purge_calls(WINDOW_START + dt.timedelta(minutes=retention_minute), batch_size=7)

    calls = {
        "all": None,
        "pbx": Call.objects.filter(pbx=pbxes[0]),
        "extensions": Call.objects.filter(extension__in=["101", "201"]),
        "pbx_extensions": Call.objects.filter(
            Q(pbx=pbxes[0], extension__in=["101"]) | Q(pbx=pbxes[1], extension="102")
        ),
        "number": Call.objects.filter(external_number="901234567", line="712000000"),
    }[narrowing]
    with override_settings(TIME_ZONE=zone, SERVICE_LEVEL_SECONDS=threshold):
        first_day = FIRST + dt.timedelta(days=min(days))
        last_day = FIRST + dt.timedelta(days=max(days))
        assert_figures_equal(days_period(first_day, last_day), calls, sort, days=True)
        start, end = (WINDOW_START + dt.timedelta(minutes=m, seconds=17) for m in sorted(minutes))
        assert_figures_equal(Period(start, end, "any minutes"), calls, sort, days=False)

    # Counting again from the calls gives the rollup the syncs kept.
    kept = rollup_rows()
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert rollup_rows() == kept
    Call.objects.all().delete()
    assert not CallHour.objects.exists()  # deleting every call empties the rollups
    assert not CallHourTotal.objects.exists()


def test_whole_hours_are_read_from_the_rollup_alone():
    """A Tashkent day is 24 whole UTC hours: the dashboard's figures read no call."""
    pbx = make_pbx()
    make_call(pbx, dt.datetime(2026, 3, 10, 7, 30, tzinfo=dt.UTC))
    period = days_period(dt.date(2026, 3, 10), dt.date(2026, 3, 10))
    with CaptureQueriesContext(connection) as queries:
        summary, _activity, extensions = figures.dashboard_figures(period)
        cells = figures.heatmap(period)
    assert summary.total == 1 and extensions[0]["calls"] == 1
    assert cells.cells[2][12].offered == 1  # Tuesday, 12:30 in Tashkent
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert '"monitoring_callhourtotal"' in read  # the summary, chart and heatmap
    assert '"monitoring_callhour"' in read  # the table by extension
    assert '"monitoring_call"' not in read


def test_hours_cut_by_a_local_day_are_counted_from_the_calls():
    """In Kolkata (+5:30) a day starts at 18:30 UTC: the hour 18:00 of each day boundary, and
    the period's half hours at its ends, come from the calls."""
    with override_settings(TIME_ZONE="Asia/Kolkata"):
        period = days_period(dt.date(2026, 3, 10), dt.date(2026, 3, 11))
        parts = split(period, figures._local_day)
    utc = dt.UTC
    assert parts.first == dt.datetime(2026, 3, 9, 19, tzinfo=utc)
    assert parts.end == dt.datetime(2026, 3, 11, 18, tzinfo=utc)
    assert parts.cut == [dt.datetime(2026, 3, 10, 18, tzinfo=utc)]
    assert parts.ranges == [
        (dt.datetime(2026, 3, 9, 18, 30, tzinfo=utc), dt.datetime(2026, 3, 9, 19, tzinfo=utc)),
        (dt.datetime(2026, 3, 10, 18, tzinfo=utc), dt.datetime(2026, 3, 10, 19, tzinfo=utc)),
        (dt.datetime(2026, 3, 11, 18, tzinfo=utc), dt.datetime(2026, 3, 11, 18, 30, tzinfo=utc)),
    ]


def test_an_operator_sees_their_own_calls_in_the_figures():
    pbx = make_pbx()
    at = dt.datetime(2026, 3, 10, 7, 30, tzinfo=dt.UTC)
    make_call(pbx, at, extension="101", to_number="101")
    make_call(pbx, at, extension="102", to_number="102")
    make_call(pbx, at, direction=Direction.INTERNAL, extension="102", from_number="101")
    operator = make_user("lola", Role.OPERATOR, extensions="101", pbx=pbx)
    from accounts.roles import calls_visible_to

    calls = calls_visible_to(operator, Call.objects.all())
    period = days_period(dt.date(2026, 3, 10), dt.date(2026, 3, 10))
    # Her own: the call to 101 and the internal call she made (its extension is the other one).
    assert figures.summary(period, calls).total == 2
    assert figures.count(period, calls) == 2


def test_rebuild_of_one_pbx_since_a_day_keeps_the_rest():
    one, other = make_pbx("One"), make_pbx("Other")
    for pbx in (one, other):
        make_call(pbx, dt.datetime(2026, 3, 9, 7, tzinfo=dt.UTC))
        make_call(pbx, dt.datetime(2026, 3, 11, 7, tzinfo=dt.UTC))
    kept = rollup_rows()
    CallHour.objects.update(calls=99)
    CallHourTotal.objects.update(calls=99)
    out = open("/dev/null", "w")  # noqa: SIM115
    call_command("rebuild_rollups", "--pbx", str(one.pk), "--since", "2026-03-10", stdout=out)
    rows = [(pbx, hour.day, calls) for pbx, hour, calls in CallHour.objects.values_list(
        "pbx_id", "hour", "calls")]  # fmt: skip
    assert sorted(rows) == sorted(
        [(one.pk, 9, 99), (one.pk, 11, 1), (other.pk, 9, 99), (other.pk, 11, 99)]
    )
    call_command("rebuild_rollups", stdout=out)
    assert rollup_rows() == kept


def test_removing_a_pbx_takes_its_rollup_with_it():
    gone, staying = make_pbx("Gone"), make_pbx("Staying")
    make_call(gone, dt.datetime(2026, 3, 9, 7, tzinfo=dt.UTC))
    make_call(staying, dt.datetime(2026, 3, 9, 7, tzinfo=dt.UTC))
    remove_pbx(gone, batch_size=1)
    assert list(CallHour.objects.values_list("pbx_id", "calls")) == [(staying.pk, 1)]
    assert list(CallHourTotal.objects.values_list("pbx_id", "calls")) == [(staying.pk, 1)]


def test_a_record_moved_to_another_hour_leaves_its_old_hour():
    pbx = make_pbx()
    call = make_call(pbx, dt.datetime(2026, 3, 9, 7, 10, tzinfo=dt.UTC), wait_seconds=90)
    make_call(pbx, dt.datetime(2026, 3, 9, 7, 20, tzinfo=dt.UTC), wait_seconds=15)
    Call.objects.filter(pk=call.pk).update(started_at=dt.datetime(2026, 3, 9, 9, 5, tzinfo=dt.UTC))
    for model in (CallHour, CallHourTotal):
        hours = {hour.hour: wait for hour, wait in model.objects.values_list("hour", "wait_max")}
        assert hours == {7: 15, 9: 90}  # the longest wait of 07:00 went with the call


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the writers' connections see each other's commits
def test_writers_of_two_pbxes_at_once_keep_the_rollup_exact():
    """Two threads store pages at the same time, as two PBXes' syncs (and a run's two writer
    connections) do: pages of both PBXes in the same hours, calls read again with other fields.
    No deadlock is left unresolved, and the rollup equals a count from the calls."""
    import random
    import threading

    from django.db import connection as main_connection

    from monitoring.sync.writer import Page, page_writer

    if main_connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statement triggers")
    pbxes = [make_pbx("One"), make_pbx("Other")]
    rnd = random.Random(5)
    keys = [f"k{n}" for n in range(300)]

    def page(pbx_index: int) -> dict:
        rows = {}
        for key in rnd.sample(keys, 40):
            call = {
                "minute": rnd.randrange(180),
                "second": rnd.randrange(60),
                "pbx": pbx_index,
                "direction": rnd.choice(["inbound", "outbound"]),
                "status": rnd.choice(["answered", "no_answer"]),
                "extension": rnd.choice(["101", "102"]),
                "line": "",
                "talk": rnd.randrange(100),
                "wait": rnd.randrange(60),
            }
            rows[key] = fields_of(call)
        return rows

    work = [(index % 2, page(index % 2)) for index in range(40)]
    errors = []

    def writer(share):
        try:
            for pbx_index, rows in share:
                with page_writer(pbxes[pbx_index].pk, dry_run=False) as write:
                    write(type("Item", (), {"page": Page(rows)})())
        except Exception as exc:  # handed to the test's thread
            errors.append(exc)
        finally:
            main_connection.close()

    threads = [threading.Thread(target=writer, args=(work[n::2],)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    kept = rollup_rows()
    assert CallHour.objects.aggregate(n=Sum("calls"))["n"] == Call.objects.count() > 0
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert rollup_rows() == kept
