"""The Celery tasks only pick what to do and delegate; failures never escape."""

import pytest
from django.utils import timezone

from monitoring import tasks
from monitoring.models import Call, Heartbeat, LiveSnapshot, SyncRun, SyncState
from monitoring.tests.factories import connect, make_pbx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_retries")]


def test_sync_pbx_syncs_and_records_the_trigger(kerio_simulator):
    pbx = connect(kerio_simulator)

    tasks.sync_pbx.apply(args=[pbx.pk], kwargs={"trigger": "button"}).get()

    assert Call.objects.count() == 200
    assert SyncRun.objects.get().trigger == SyncRun.Trigger.BUTTON


def test_sync_pbx_swallows_a_failure_which_stays_visible_in_the_run(kerio_simulator):
    pbx = connect(kerio_simulator)
    kerio_simulator.faults.fail_method("CallHistory.get", 4, "http500")

    result = tasks.sync_pbx.apply(args=[pbx.pk])

    assert result.successful()
    assert SyncRun.objects.get().outcome == SyncRun.Outcome.FAILED


def test_sync_pbx_skips_when_a_run_holds_the_lock_or_the_pbx_is_gone(kerio_simulator):
    pbx = connect(kerio_simulator)
    SyncState.objects.filter(pk=pbx.pk).update(
        lock_until=timezone.now() + timezone.timedelta(minutes=1)
    )

    assert tasks.sync_pbx.apply(args=[pbx.pk]).successful()
    assert tasks.sync_pbx.apply(args=[pbx.pk + 100]).successful()
    assert not SyncRun.objects.exists()


def test_sync_all_fans_out_to_enabled_idle_pbxes(monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.sync_pbx, "delay", lambda pk, **kw: queued.append(pk))
    idle = make_pbx("A", host="10.0.0.1")
    make_pbx("B", host="10.0.0.2", enabled=False)
    running = make_pbx("C", host="10.0.0.3")
    SyncState.objects.filter(pk=running.pk).update(
        lock_until=timezone.now() + timezone.timedelta(minutes=1)
    )

    tasks.sync_all.apply().get()

    assert queued == [idle.pk]


def test_poll_live_calls_covers_every_enabled_pbx(make_kerio_simulator):
    up, down = make_kerio_simulator(), make_kerio_simulator()
    up.start_call("+998901234567", "101")
    connect(up, name="Up")
    connect(down, name="Down")
    connect(up, name="Off", enabled=False)
    down.stop()

    tasks.poll_live_calls.apply().get()

    snapshots = {s.pbx.name: s for s in LiveSnapshot.objects.select_related("pbx")}
    assert set(snapshots) == {"Up", "Down"}
    assert snapshots["Up"].calls.count() == 1 and not snapshots["Up"].is_stale
    assert snapshots["Down"].is_stale


def test_heartbeat_stamps_the_worker():
    before = timezone.now()
    tasks.heartbeat.apply().get()
    tasks.heartbeat.apply().get()
    assert Heartbeat.objects.get(name="worker").seen_at >= before


def test_the_tasks_are_bounded_and_acknowledged_late():
    for task in (tasks.sync_pbx, tasks.sync_all, tasks.poll_live_calls, tasks.heartbeat):
        assert task.acks_late is True
        assert 0 < task.soft_time_limit < task.time_limit
