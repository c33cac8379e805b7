"""A real Celery worker with beat for the end-to-end tests (PostgreSQL and Redis): the worker is
another process and shares the test database."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

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


def wait_for(condition, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False
