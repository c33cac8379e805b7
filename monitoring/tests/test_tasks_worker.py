"""End to end: a real Celery worker with beat syncs the simulated PBX on its own.

Needs PostgreSQL and Redis (the worker is another process and shares the test database).
"""

import time

import pytest

from monitoring.models import Call, Heartbeat, LiveCall, SyncRun
from monitoring.tests.factories import canonical, connect
from monitoring.tests.worker import running_worker, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(tmp_path):
    with running_worker(tmp_path) as process:
        yield process


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
