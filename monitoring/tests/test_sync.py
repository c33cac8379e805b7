"""The sync against the simulated PBX over real HTTPS: exact, incremental, locked, recorded."""

import time

import psycopg
import pytest
from django.db import OperationalError
from django.utils import timezone

from monitoring.models import Call, CallStatus, Direction, SyncRun, SyncState
from monitoring.sync import SyncAlreadyRunning, SyncFailed, sync_is_running, sync_pbx
from monitoring.sync.writer import CallWriter
from monitoring.tests.factories import assert_exact, call_record, connect
from providers.messages import words
from providers.models import PbxConnection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_retries")]


@pytest.fixture
def small_pages(settings):
    settings.SYNC_PAGE_SIZE = 10
    return settings


# -- the whole history, once and exactly ------------------------------------------------------


def test_it_stores_every_record_of_the_history_exactly(kerio_simulator, small_pages):
    pbx = connect(kerio_simulator)

    run = sync_pbx(pbx)

    assert_exact(pbx, kerio_simulator)
    assert run.outcome == SyncRun.Outcome.SUCCESS
    assert run.full is True
    assert (run.fetched, run.created, run.updated, run.rejected) == (200, 200, 0, 0)
    assert run.pages >= 20
    pbx.refresh_from_db()
    assert pbx.sync_state.lock_until is None
    assert pbx.sync_state.last_success_at is not None
    assert pbx.sync_state.last_error == ""
    assert pbx.sync_state.read_back_to is not None
    assert SyncRun.objects.get() == run


def test_a_rerun_over_the_same_window_changes_nothing(kerio_simulator, small_pages):
    pbx = connect(kerio_simulator)
    sync_pbx(pbx)
    before = dict(Call.objects.values_list("key", "id"))

    run = sync_pbx(pbx, full=True)

    assert (run.fetched, run.created, run.updated) == (200, 0, 0)
    assert dict(Call.objects.values_list("key", "id")) == before


def test_it_keeps_identical_calls_as_separate_rows(make_kerio_simulator, small_pages):
    simulator = make_kerio_simulator(history_size=40)
    records = sorted(simulator.history_snapshot(), key=lambda r: -r["TIMESTAMP"])
    # Twins and triplets of existing calls, at the top, across page boundaries, at the bottom.
    twins = [records[0], records[9], records[10], records[19], records[-1]]
    simulator.add_history([*twins, records[9], records[-1]])
    pbx = connect(simulator)

    run = sync_pbx(pbx)

    assert_exact(pbx, simulator)
    assert run.created == 47
    assert Call.objects.filter(raw=records[9]).count() == 3


def test_it_normalizes_what_it_stores(kerio_simulator):
    kerio_simulator.add_history(
        [
            call_record(
                1_767_225_000,
                "+998 90 123 45 67",
                "101",
                STATUS=3,
                CALL_DURATION=25,
                ANSWERED_DURATION=0,
            )
        ]
    )
    pbx = connect(kerio_simulator)

    sync_pbx(pbx)

    call = Call.objects.get(from_number="+998 90 123 45 67")
    assert call.direction == Direction.INBOUND
    assert call.status == CallStatus.NO_ANSWER
    assert (call.extension, call.external_number) == ("101", "901234567")
    assert (call.total_seconds, call.talk_seconds, call.wait_seconds) == (25, 0, 25)
    assert call.started_at.timestamp() == 1_767_225_000


def test_a_call_whose_direction_changes_with_the_extension_list_is_updated(kerio_simulator):
    kerio_simulator.add_history([call_record(1_767_225_000, "+998901234567", "555")])
    pbx = connect(kerio_simulator, internal_number_pattern=r"^1\d\d$")
    sync_pbx(pbx)
    assert Call.objects.get(to_number="555").extension == ""
    pbx.internal_number_pattern = r"^\d{3}$"
    pbx.save()

    run = sync_pbx(pbx, full=True)

    assert (run.created, run.updated) == (0, 1)
    assert Call.objects.get(to_number="555").extension == "555"


# -- the incremental window -------------------------------------------------------------------


@pytest.fixture
def recent_world(make_kerio_simulator, small_pages):
    """A simulator whose history ends now, three days long."""
    return make_kerio_simulator(now=time.time(), history_size=300, days=3)


def test_an_incremental_run_reads_only_back_to_the_mark(recent_world):
    pbx = connect(recent_world)
    first = sync_pbx(pbx)
    pbx.refresh_from_db()
    now = timezone.now()
    expected_mark = now.timestamp() - 4 * 3600 - 300
    assert abs(pbx.sync_state.read_back_to.timestamp() - expected_mark) < 60
    recent = sum(1 for r in recent_world.history_snapshot() if r["TIMESTAMP"] >= expected_mark)

    mark = pbx.sync_state.read_back_to

    second = sync_pbx(pbx)

    assert second.full is False
    assert second.read_back_to == mark
    assert second.pages < first.pages / 3
    assert recent <= second.fetched <= recent + 20
    assert (second.created, second.updated) == (0, 0)


def test_a_long_call_entering_the_history_late_is_not_missed(recent_world, settings):
    pbx = connect(recent_world)
    # A call that has been going on for five hours, longer than SYNC_LONGEST_CALL_SECONDS.
    long_call = recent_world.start_call("+998935554433", "105", answered=True)
    recent_world.state.live[long_call].started -= 5 * 3600
    recent_world.state.live[long_call].answered_at -= 5 * 3600 - 20
    sync_pbx(pbx)
    pbx.refresh_from_db()
    assert pbx.sync_state.read_back_to.timestamp() < time.time() - 5 * 3600 - 300 + 5
    # Short calls after it are synced, then the long one ends, stamped with its start.
    now = int(time.time())
    recent_world.add_history([call_record(now - 60), call_record(now - 30, "+998971112233")])
    sync_pbx(pbx)
    record = recent_world.end_call(long_call)

    run = sync_pbx(pbx)

    assert run.created == 1
    assert Call.objects.filter(raw=record).count() == 1
    assert_exact(pbx, recent_world)


def test_a_full_run_since_a_day_reads_back_to_that_day(recent_world):
    pbx = connect(recent_world)
    since = timezone.now() - timezone.timedelta(days=1)

    run = sync_pbx(pbx, full=True, since=since)

    expected = [r for r in recent_world.history_snapshot() if r["TIMESTAMP"] >= since.timestamp()]
    assert run.read_back_to == since
    assert Call.objects.filter(started_at__gte=since).count() == len(expected)


def test_a_run_since_a_later_moment_never_moves_the_mark_forward(recent_world):
    """A run told to read back less far than the mark did not read what lies between: the calls
    there still need the old mark's cover."""
    pbx = connect(recent_world)
    sync_pbx(pbx)
    old_mark = timezone.now() - timezone.timedelta(days=2)
    SyncState.objects.filter(pk=pbx.pk).update(read_back_to=old_mark)

    run = sync_pbx(pbx, since=timezone.now() - timezone.timedelta(hours=1))

    assert run.outcome == SyncRun.Outcome.SUCCESS
    pbx.refresh_from_db()
    assert pbx.sync_state.read_back_to == old_mark


def test_a_dry_run_counts_but_writes_nothing(kerio_simulator):
    pbx = connect(kerio_simulator)

    run = sync_pbx(pbx, dry_run=True)

    assert (run.fetched, run.created) == (200, 200)
    assert run.pk is None
    assert not Call.objects.exists()
    assert not SyncRun.objects.exists()
    pbx.refresh_from_db()
    assert pbx.sync_state.read_back_to is None


# -- one run at a time ------------------------------------------------------------------------


def test_a_second_sync_while_one_runs_is_refused(kerio_simulator, small_pages):
    pbx = connect(kerio_simulator)
    refusals = []

    def second_attempt(run):
        if run.pages == 2:
            assert sync_is_running(pbx)
            with pytest.raises(SyncAlreadyRunning):
                sync_pbx(PbxConnection.objects.get(pk=pbx.pk))
            refusals.append(run.pages)

    sync_pbx(pbx, progress=second_attempt)

    assert refusals == [2]
    assert SyncRun.objects.count() == 1
    assert not sync_is_running(pbx)
    assert_exact(pbx, kerio_simulator)


def test_a_held_lock_refuses_and_an_expired_lock_is_taken_over(kerio_simulator):
    pbx = connect(kerio_simulator)
    SyncState.objects.filter(pk=pbx.pk).update(
        lock_until=timezone.now() + timezone.timedelta(minutes=5)
    )
    with pytest.raises(SyncAlreadyRunning):
        sync_pbx(pbx)
    assert not SyncRun.objects.exists()

    SyncState.objects.filter(pk=pbx.pk).update(
        lock_until=timezone.now() - timezone.timedelta(seconds=1)
    )
    run = sync_pbx(pbx)

    assert run.outcome == SyncRun.Outcome.SUCCESS
    assert PbxConnection.objects.get(pk=pbx.pk).sync_state.lock_until is None


def test_a_run_left_running_by_a_dead_process_is_closed_as_interrupted(kerio_simulator):
    pbx = connect(kerio_simulator)
    dead = SyncRun.objects.create(pbx=pbx)

    sync_pbx(pbx)

    dead.refresh_from_db()
    assert dead.outcome == SyncRun.Outcome.FAILED
    assert "interrupted" in words(dead.error)


def test_a_long_run_keeps_extending_its_lock(kerio_simulator, small_pages, settings):
    settings.SYNC_LOCK_LEASE_SECONDS = 1
    pbx = connect(kerio_simulator)
    seen = []

    def slow(run):
        time.sleep(0.06)
        seen.append((timezone.now(), PbxConnection.objects.get(pk=pbx.pk).sync_state.lock_until))

    sync_pbx(pbx, progress=slow)

    # The run outlives its one-second lease, yet its lock never lapsed.
    assert seen[-1][0] - seen[0][0] > timezone.timedelta(seconds=1)
    assert all(until > observed for observed, until in seen)


# -- failures ---------------------------------------------------------------------------------


def test_a_failed_run_is_recorded_and_keeps_the_mark(kerio_simulator, small_pages):
    pbx = connect(kerio_simulator)
    sync_pbx(pbx)
    mark = PbxConnection.objects.get(pk=pbx.pk).sync_state.read_back_to
    kerio_simulator.faults.fail_method("CallHistory.get", 4, "http500")

    with pytest.raises(SyncFailed) as failure:
        sync_pbx(pbx)

    run = failure.value.run
    assert run.outcome == SyncRun.Outcome.FAILED
    assert run.finished_at is not None
    assert "Try again later" in words(run.error)
    pbx.refresh_from_db()
    assert pbx.sync_state.read_back_to == mark
    assert pbx.sync_state.last_error == run.error
    assert pbx.sync_state.lock_until is None
    assert str(failure.value.user_message) == words(run.error)


def test_wrong_credentials_fail_in_plain_words_without_the_password(kerio_simulator):
    pbx = connect(kerio_simulator)
    pbx.password = "Wrong-Secret-42"
    pbx.save()

    with pytest.raises(SyncFailed) as failure:
        sync_pbx(pbx)

    assert "Login failed" in words(failure.value.run.error)
    assert "Wrong-Secret-42" not in str(failure.value.run.error)
    assert SyncRun.objects.get().outcome == SyncRun.Outcome.FAILED


def test_a_run_after_a_failure_mid_way_is_exact(kerio_simulator, small_pages):
    pbx = connect(kerio_simulator)

    def break_on_fifth(state, query):
        if query.get("start", 0) >= 40:
            kerio_simulator.faults.fail_method("CallHistory.get", 4, "bad_json")
            kerio_simulator.on_history_request = None

    kerio_simulator.on_history_request = break_on_fifth
    with pytest.raises(SyncFailed):
        sync_pbx(pbx)
    assert 0 < Call.objects.count() < 200

    run = sync_pbx(pbx)

    assert run.outcome == SyncRun.Outcome.SUCCESS
    assert_exact(pbx, kerio_simulator)


def test_a_page_chosen_to_break_a_deadlock_is_written_again(
    kerio_simulator, small_pages, monkeypatch
):
    pbx = connect(kerio_simulator)
    real_write = CallWriter.write
    aborted = []

    def write_once_aborted(self, page, now):
        if len(aborted) < 2:  # the database broke a deadlock with this page, twice
            aborted.append(page)
            try:
                raise psycopg.errors.DeadlockDetected("deadlock detected")
            except psycopg.Error as exc:
                raise OperationalError("deadlock detected") from exc
        return real_write(self, page, now)

    monkeypatch.setattr(CallWriter, "write", write_once_aborted)

    run = sync_pbx(pbx)

    assert len(aborted) == 2
    assert (run.outcome, run.created) == (SyncRun.Outcome.SUCCESS, 200)
    assert_exact(pbx, kerio_simulator)


def test_other_database_errors_fail_the_run_at_once(kerio_simulator, small_pages, monkeypatch):
    pbx = connect(kerio_simulator)
    attempts = []

    def refuse(self, page, now):
        attempts.append(page)
        raise OperationalError("disk full")

    monkeypatch.setattr(CallWriter, "write", refuse)

    with pytest.raises(OperationalError):
        sync_pbx(pbx)

    assert len(attempts) == 1
    assert SyncRun.objects.get().outcome == SyncRun.Outcome.FAILED


def test_extension_list_errors_fall_back_to_the_pattern(kerio_simulator, monkeypatch):
    from providers.kerio import AccessDenied, KerioClient

    def refuse(self):
        raise AccessDenied("no rights", code=1004)

    monkeypatch.setattr(KerioClient, "extensions", refuse)
    pbx = connect(kerio_simulator)

    run = sync_pbx(pbx)

    assert run.outcome == SyncRun.Outcome.SUCCESS
    assert Call.objects.filter(direction=Direction.INBOUND).exclude(extension="").exists()
