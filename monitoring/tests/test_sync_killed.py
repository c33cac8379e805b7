"""A sync process killed in the middle of a run loses nothing and holds nothing: the next run
takes the PBX over once the dead run's short lease has run out, and is still exact.

Everything runs through manage.py in subprocesses against a database file (or, on PostgreSQL,
the test database), the way a worker would.
"""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from monitoring.tests.factories import canonical

BASE_DIR = Path(settings.BASE_DIR)
LEASE_SECONDS = 2
# Transactional: the subprocesses' commits are emptied out after each test like the test's own.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def database_url(tmp_path):
    """A database a subprocess can share: the PostgreSQL test database, else a migrated file."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.postgresql":
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
        "SYNC_LOCK_LEASE_SECONDS": str(LEASE_SECONDS),
        "LOG_FILE": "",
        **(env or {}),
    }
    if popen:
        return subprocess.Popen(command, cwd=BASE_DIR, env=environment, **popen)
    result = subprocess.run(command, cwd=BASE_DIR, env=environment, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def set_up_pbx(database_url, simulator) -> None:
    manage(
        database_url, "kerio_setup", "--name", "PBX", "--host", simulator.host,
        "--port", str(simulator.port), "--username", simulator.config.username,
        "--password-env", "SIM_PASSWORD", "--ca-file", simulator.ca_file,
        env={"SIM_PASSWORD": simulator.config.password},
    )  # fmt: skip


def test_a_run_killed_mid_way_is_completed_exactly_by_the_next_one(
    make_kerio_simulator, database_url
):
    simulator = make_kerio_simulator(history_size=120)
    simulator.on_history_request = lambda state, query: time.sleep(0.15)
    set_up_pbx(database_url, simulator)

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

    time.sleep(LEASE_SECONDS + 0.2)  # the dead run's lease runs out
    result = manage(database_url, "sync_kerio", "--pbx", "PBX")

    assert "0 rejected" in result.stdout
    stored = Counter(canonical(row["raw"]) for row in export(database_url))
    assert stored == Counter(canonical(r) for r in simulator.history_snapshot())


def test_a_run_killed_while_the_pbx_is_slow_is_taken_over_after_its_lease(
    make_kerio_simulator, database_url
):
    simulator = make_kerio_simulator(history_size=120)
    set_up_pbx(database_url, simulator)
    answer = threading.Event()

    def slow_after_a_few_pages(state, query):
        if query.get("start", 0) >= 40:
            answer.wait(60)  # the PBX takes its time: longer than several leases

    simulator.on_history_request = slow_after_a_few_pages
    worker = manage(database_url, "sync_kerio", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: simulator.request_counts().get("CallHistory.get", 0) >= 5, worker)
    time.sleep(2.5 * LEASE_SECONDS)

    # Alive and waiting on the PBX, the run keeps the PBX past its first leases.
    refused = manage(database_url, "sync_kerio", "--pbx", "PBX", check=False)
    assert refused.returncode != 0 and "already running" in refused.stderr
    os.kill(worker.pid, signal.SIGKILL)
    killed_at = timezone.now()  # the subprocesses stamp the lease with this machine's clock
    worker.wait(10)
    answer.set()
    simulator.on_history_request = None
    held_until = sync_state(database_url)["lock_until"]
    assert held_until <= killed_at + dt.timedelta(seconds=LEASE_SECONDS)

    while (result := manage(database_url, "sync_kerio", "--pbx", "PBX", check=False)).returncode:
        assert "already running" in result.stderr, result.stderr
        assert timezone.now() < held_until + dt.timedelta(seconds=30)

    assert "0 rejected" in result.stdout
    stored = Counter(canonical(row["raw"]) for row in export(database_url))
    assert stored == Counter(canonical(r) for r in simulator.history_snapshot())
    state = sync_state(database_url)
    assert state["lock_until"] is None
    assert [run["outcome"] for run in state["runs"]] == ["success", "failed"]
    assert state["runs"][1]["error"] == {"code": "sync.interrupted"}


def wait_for(condition, process, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, "the sync ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)


SYNC_STATE = """
import json
from monitoring.models import SyncRun, SyncState
state = SyncState.objects.get(pbx__name="PBX")
runs = SyncRun.objects.filter(pbx__name="PBX").order_by("-started_at", "-id")
print(json.dumps({
    "lock_until": state.lock_until and state.lock_until.isoformat(),
    "runs": [{"outcome": run.outcome, "error": run.error} for run in runs],
}))
"""


def sync_state(database_url) -> dict:
    """The PBX's SyncState and runs (newest first), as the subprocesses left them."""
    output = manage(database_url, "shell", "--no-imports", "-c", SYNC_STATE).stdout
    state = json.loads(output.splitlines()[-1])
    if state["lock_until"]:
        state["lock_until"] = dt.datetime.fromisoformat(state["lock_until"])
    return state


def export(database_url) -> list[dict]:
    result = manage(database_url, "export_calls", "--format", "jsonl")
    return [json.loads(line) for line in result.stdout.splitlines()]
