"""When things break: the PBX unreachable for a while, the database connection cut mid-sync, Redis
down. Each failure is recorded in plain words, nothing crashes the worker or the pages, and the
next good run catches up exactly."""

import datetime as dt
import re
import socket
import time
from html import unescape
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from callcenter.celery import app as celery_app
from monitoring import sync, tasks
from monitoring.models import SyncRun
from monitoring.tests.factories import assert_exact, call_record, connect
from providers.messages import words
from providers.models import PbxConnection

pytestmark = pytest.mark.usefixtures("quick_retries")

CLOSED_PORT = "redis://127.0.0.1:1/0"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def recent_calls(count: int, start_minutes_ago: int = 30) -> list[dict]:
    """Calls of the last half hour (inside every incremental run's window)."""
    now = time.time()
    return [
        call_record(now - start_minutes_ago * 60 + n * 7, from_num=f"+99890{n:07d}")
        for n in range(count)
    ]


def states(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-check="(\w+)" data-state="(\w+)"', html))


# -- The PBX unreachable for a while -------------------------------------------------------------


@pytest.fixture
def outage(make_kerio_simulator, db):
    """A PBX synced once, then gone: its simulator stopped on a port it will come back on."""
    simulator = make_kerio_simulator(port=free_port())
    pbx = connect(simulator)
    sync.sync_pbx(pbx)
    assert_exact(pbx, simulator)
    pbx.refresh_from_db()
    simulator.stop()
    return simulator, pbx


def test_an_unreachable_pbx_fails_the_run_with_a_plain_reason(outage):
    _simulator, pbx = outage
    mark = pbx.sync_state.read_back_to

    tasks.sync_pbx(pbx.pk)  # as the worker runs it: nothing escapes

    run = SyncRun.objects.filter(pbx=pbx).latest("started_at")
    assert run.outcome == SyncRun.Outcome.FAILED
    assert run.finished_at is not None
    assert run.error["code"] == "kerio.ConnectionRefused"
    assert "Traceback" not in words(run.error)
    assert words(run.error).startswith("The server refused the connection."), run.error
    pbx.refresh_from_db()
    assert pbx.sync_state.last_error == run.error
    assert pbx.sync_state.read_back_to == mark  # the high-water mark did not move
    assert pbx.sync_state.lock_until is None


def test_the_health_page_is_red_with_the_reason(outage, admin_client):
    _simulator, pbx = outage
    tasks.sync_pbx(pbx.pk)
    error = words(PbxConnection.objects.get(pk=pbx.pk).sync_state.last_error)

    html = admin_client.get(reverse("health")).content.decode()

    assert states(html)["sync"] == "bad"
    assert error in unescape(html)
    assert 'id="sync-health-banner"' in html


def queued_by_sync_all(monkeypatch) -> list[int]:
    queued = []
    monkeypatch.setattr(tasks.sync_pbx, "delay", lambda pk, **kw: queued.append(pk))
    tasks.sync_all()
    return queued


def age_runs(pbx, by: dt.timedelta):
    for run in SyncRun.objects.filter(pbx=pbx):
        SyncRun.objects.filter(pk=run.pk).update(started_at=run.started_at - by)


def test_repeated_failures_back_off_exponentially(outage, monkeypatch, settings):
    _simulator, pbx = outage
    settings.SYNC_INTERVAL_SECONDS = 60
    settings.SYNC_BACKOFF_MAX_SECONDS = 900

    tasks.sync_pbx(pbx.pk)
    # One failure: retried at the next tick as usual.
    assert queued_by_sync_all(monkeypatch) == [pbx.pk]

    tasks.sync_pbx(pbx.pk)
    # Two in a row: left alone for two intervals.
    assert queued_by_sync_all(monkeypatch) == []
    age_runs(pbx, dt.timedelta(seconds=90))
    assert queued_by_sync_all(monkeypatch) == []
    age_runs(pbx, dt.timedelta(seconds=30))
    assert queued_by_sync_all(monkeypatch) == [pbx.pk]

    tasks.sync_pbx(pbx.pk)
    # Three: four intervals.
    age_runs(pbx, dt.timedelta(seconds=200))
    assert queued_by_sync_all(monkeypatch) == []
    age_runs(pbx, dt.timedelta(seconds=40))
    assert queued_by_sync_all(monkeypatch) == [pbx.pk]


def test_the_backoff_doubles_up_to_its_cap(settings):
    settings.SYNC_INTERVAL_SECONDS = 60
    settings.SYNC_BACKOFF_MAX_SECONDS = 900
    delays = [sync.backoff_delay(n).total_seconds() for n in range(8)]
    assert delays == [0, 0, 120, 240, 480, 900, 900, 900]
    assert sync.backoff_delay(10_000).total_seconds() == 900


def test_a_success_ends_the_backoff(outage, monkeypatch):
    simulator, pbx = outage
    tasks.sync_pbx(pbx.pk)
    tasks.sync_pbx(pbx.pk)
    assert sync.backoff_until(pbx) is not None
    simulator.start()
    sync.sync_pbx(pbx)  # the command or the button
    assert sync.backoff_until(pbx) is None
    assert queued_by_sync_all(monkeypatch) == [pbx.pk]


def test_sync_now_ignores_the_backoff(outage, admin_client):
    _simulator, pbx = outage
    for _ in range(4):
        tasks.sync_pbx(pbx.pk)
    assert sync.backoff_until(pbx) is not None

    with mock.patch("monitoring.tasks.sync_pbx.delay") as delay:
        admin_client.post(reverse("sync_now", args=[pbx.pk]))

    delay.assert_called_once_with(pbx.pk, trigger=SyncRun.Trigger.BUTTON.value)


def test_when_the_pbx_returns_the_next_run_catches_up_exactly(outage, settings):
    simulator, pbx = outage
    settings.SYNC_PAGE_SIZE = 10
    mark = pbx.sync_state.read_back_to
    # Calls keep happening while we cannot see them.
    simulator.add_history(recent_calls(35))
    for _ in range(3):
        tasks.sync_pbx(pbx.pk)
    pbx.refresh_from_db()
    assert pbx.sync_state.read_back_to == mark

    simulator.start()
    tasks.sync_pbx(pbx.pk)

    run = SyncRun.objects.filter(pbx=pbx).latest("started_at")
    assert run.outcome == SyncRun.Outcome.SUCCESS, run.error
    assert run.created == 35
    assert_exact(pbx, simulator)
    pbx.refresh_from_db()
    assert pbx.sync_state.last_error == ""
    assert pbx.sync_state.read_back_to > mark


# -- PostgreSQL connection dropped mid-sync -----------------------------------------------------


def _kill_other_backends():
    """From a connection of our own, end every other session of the test database."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as killer:
        killer.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_connection_cut_mid_sync_fails_the_run_and_the_next_is_exact(
    kerio_simulator, settings
):
    settings.SYNC_PAGE_SIZE = 10
    pbx = connect(kerio_simulator)
    sync.sync_pbx(pbx)
    pbx.refresh_from_db()
    mark = pbx.sync_state.read_back_to
    kerio_simulator.add_history(recent_calls(40))
    requests = []

    def cut_after_first_page(state, query):
        requests.append(query)
        if len(requests) == 2:
            _kill_other_backends()

    kerio_simulator.on_history_request = cut_after_first_page
    with pytest.raises(Exception) as raised:
        sync.sync_pbx(pbx)
    assert "terminat" in str(raised.value).lower() or "connection" in str(raised.value).lower()
    kerio_simulator.on_history_request = None

    pbx.refresh_from_db()
    assert pbx.sync_state.read_back_to == mark
    assert pbx.sync_state.lock_until is None, "the lock must not outlive the failed run"
    failed = SyncRun.objects.filter(pbx=pbx).latest("started_at")
    assert failed.outcome == SyncRun.Outcome.FAILED
    assert "internal error" in words(failed.error)

    run = sync.sync_pbx(pbx)

    assert run.outcome == SyncRun.Outcome.SUCCESS
    assert_exact(pbx, kerio_simulator)


# -- Redis down -------------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The broker, the cache and the health checks all pointed at a port nobody listens on."""
    settings.REDIS_URL = CLOSED_PORT
    settings.CELERY_BROKER_URL = CLOSED_PORT
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # The Celery app reads its broker once and keeps a connection pool: reset both.
    monkeypatch.setitem(celery_app.conf, "broker_url", CLOSED_PORT)
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()


@pytest.fixture
def pbx(pbx):
    """The root fixture's freshly synced PBX, with the start of that sync recorded too."""
    pbx.sync_state.last_started_at = pbx.sync_state.last_success_at - dt.timedelta(seconds=1)
    pbx.sync_state.save(update_fields=["last_started_at"])
    return pbx


@pytest.mark.parametrize("url_name", ["dashboard", "call_list", "health", "live_calls"])
def test_the_pages_load_without_redis(redis_down, admin_client, pbx, url_name):
    started = time.monotonic()
    response = admin_client.get(reverse(url_name))
    assert response.status_code == 200
    assert time.monotonic() - started < 10


def test_the_health_page_says_the_broker_is_down(redis_down, admin_client, pbx):
    html = admin_client.get(reverse("health")).content.decode()
    assert states(html)["broker"] == "bad"
    assert "Redis does not answer" in html


def test_sync_now_says_it_could_not_be_queued_without_hanging(redis_down, admin_client, pbx):
    started = time.monotonic()
    response = admin_client.post(reverse("sync_now", args=[pbx.pk]), follow=True)
    took = time.monotonic() - started

    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert any("could not be queued" in message for message in messages), messages
    assert took < 5, f"Sync now took {took:.1f} s with the broker down"
    assert not SyncRun.objects.exists()


@override_settings(SYNC_PAGE_SIZE=10)
def test_a_sync_still_runs_without_the_cache(redis_down, kerio_simulator, db):
    """The directory cache is a convenience: a sync without Redis still stores every call."""
    pbx = connect(kerio_simulator)
    run = sync.sync_pbx(pbx)
    assert run.outcome == SyncRun.Outcome.SUCCESS
    assert_exact(pbx, kerio_simulator)
