"""A sync process killed in the middle of a run loses nothing: the next run is still exact.

Everything runs through manage.py in subprocesses against a database file (or, on PostgreSQL,
the test database), the way a worker would.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from monitoring.tests.test_sync import canonical

BASE_DIR = Path(settings.BASE_DIR)
pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(request, tmp_path):
    """A database a subprocess can share: the PostgreSQL test database, else a migrated file."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.postgresql":
        request.getfixturevalue("transactional_db")
        user, host, port = db.get("USER") or "postgres", db.get("HOST"), db.get("PORT") or 5432
        return f"postgres://{user}@{host}:{port}/{db['NAME']}"
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    manage(url, "migrate", "--noinput")
    return url


def manage(database_url, *args, env=None, check=True, **popen):
    command = [sys.executable, "manage.py", *args]
    environment = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "SYNC_PAGE_SIZE": "10",
        "SYNC_TIME_LIMIT_SECONDS": "2",
        "LOG_FILE": "",
        **(env or {}),
    }
    if popen:
        return subprocess.Popen(command, cwd=BASE_DIR, env=environment, **popen)
    result = subprocess.run(command, cwd=BASE_DIR, env=environment, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_a_run_killed_mid_way_is_completed_exactly_by_the_next_one(
    make_kerio_simulator, database_url
):
    simulator = make_kerio_simulator(history_size=120)
    simulator.on_history_request = lambda state, query: time.sleep(0.15)
    manage(
        database_url, "kerio_setup", "--name", "PBX", "--host", simulator.host,
        "--port", str(simulator.port), "--username", simulator.config.username,
        "--password-env", "SIM_PASSWORD", "--ca-file", simulator.ca_file,
        env={"SIM_PASSWORD": simulator.config.password},
    )  # fmt: skip

    worker = manage(database_url, "sync_kerio", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while simulator.request_counts().get("CallHistory.get", 0) < 5:
        assert worker.poll() is None, "the sync ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    simulator.on_history_request = None
    partial = export(database_url)
    assert 0 < len(partial) < 120

    time.sleep(2.2)  # the dead run's lock expires (SYNC_TIME_LIMIT_SECONDS=2)
    result = manage(database_url, "sync_kerio", "--pbx", "PBX")

    assert "0 rejected" in result.stdout
    stored = Counter(canonical(row["raw"]) for row in export(database_url))
    assert stored == Counter(canonical(r) for r in simulator.history_snapshot())


def export(database_url) -> list[dict]:
    result = manage(database_url, "export_calls", "--format", "jsonl")
    return [json.loads(line) for line in result.stdout.splitlines()]
