"""End to end: a real Celery worker with beat syncs the simulated PBX on its own.

Needs PostgreSQL and Redis (the worker is another process and shares the test database).
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from monitoring.models import Call, Heartbeat, LiveCall, SyncRun
from monitoring.tests.test_sync import canonical, connect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
CELERY = Path(sys.executable).with_name("celery")


@contextmanager
def running_worker(tmp_path, **env):
    """A Celery worker with beat on the test database, ready when this yields and stopped on
    exit; `env` adds variables."""
    db = settings.DATABASES["default"]
    user, host, port = db.get("USER") or "postgres", db.get("HOST"), db.get("PORT") or 5432
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{user}@{host}:{port}/{db['NAME']}",
        "SYNC_INTERVAL_SECONDS": "2",
        "LIVE_POLL_SECONDS": "1",
        "LOG_FILE": "",
        **env,
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(CELERY), "-A", "callcenter", "worker", "--beat", "--purge", "--concurrency=2",
         "--loglevel=INFO", "-s", str(tmp_path / "celerybeat-schedule")],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        # It purges the queue as it starts: what is queued before it is ready would be lost.
        ready = lambda: "ready." in (tmp_path / "worker.log").read_text()  # noqa: E731
        assert wait_for(ready, timeout=60), (tmp_path / "worker.log").read_text()
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        log.close()


@pytest.fixture
def worker(tmp_path):
    with running_worker(tmp_path) as process:
        yield process


def wait_for(condition, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def test_the_worker_syncs_new_calls_and_shows_live_ones(make_kerio_simulator, worker):
    simulator = make_kerio_simulator(
        now=time.time(), history_size=50, days=1, rate=30, time_scale=0.02
    )
    pbx = connect(simulator)
    long_call = simulator.start_call("+998909998877", "105", answered=True)

    assert wait_for(lambda: SyncRun.objects.filter(pbx=pbx, outcome="success").exists())
    assert wait_for(lambda: LiveCall.objects.filter(from_number="+998909998877").exists())
    # Calls that end now reach the database within a few sync intervals.
    simulator.end_call(long_call)
    ended = simulator.history_snapshot()

    def all_stored():
        have = {
            canonical(raw) for raw in Call.objects.filter(pbx=pbx).values_list("raw", flat=True)
        }
        return all(canonical(record) in have for record in ended)

    assert wait_for(all_stored), "the ended calls did not reach the database"
    assert wait_for(lambda: not LiveCall.objects.filter(from_number="+998909998877").exists())
    assert wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), timeout=45)
    assert worker.poll() is None
