"""The sync keeps the callbacks up to date: the calls a run stores, late ones included, re-derive
the callbacks of their numbers, and the result equals a rebuild from scratch."""

import time

import pytest

from monitoring.callbacks import derive
from monitoring.models import Callback
from monitoring.sync import sync_pbx
from monitoring.tests.callback_data import snapshot
from monitoring.tests.factories import call_record, connect

pytestmark = pytest.mark.django_db


def missed(timestamp, number="+998901234567"):
    return call_record(timestamp, number, "800", STATUS=3, ANSWERED_DURATION=0, TO_TYPE=5)


def called_back(timestamp, number="998901234567", extension="104"):
    return call_record(timestamp, extension, number, FROM_TYPE=1, TO_TYPE=2)


@pytest.fixture
def pbx_world(make_kerio_simulator):
    simulator = make_kerio_simulator(now=time.time(), history_size=0)
    return simulator, connect(simulator)


def test_a_synced_missed_call_opens_a_callback_and_a_synced_call_back_closes_it(pbx_world):
    simulator, pbx = pbx_world
    now = int(time.time())
    simulator.add_history([missed(now - 600), missed(now - 400, "901234567")])
    sync_pbx(pbx)
    callback = Callback.objects.get()
    assert (callback.number, callback.attempts, callback.is_open) == ("901234567", 2, True)

    simulator.add_history([called_back(now - 100)])
    sync_pbx(pbx)
    callback.refresh_from_db()
    assert callback.resolution == "called_back"
    assert callback.closed_by_extension == "104"


def test_a_late_call_splits_the_callback_it_falls_into(pbx_world):
    simulator, pbx = pbx_world
    now = int(time.time())
    simulator.add_history([missed(now - 900), missed(now - 300)])
    sync_pbx(pbx)
    assert Callback.objects.get().attempts == 2
    # A call back made between the two misses enters the history late.
    simulator.add_history([called_back(now - 600)])
    sync_pbx(pbx)
    first, second = Callback.objects.order_by("first_missed_at")
    assert (first.resolution, first.attempts) == ("called_back", 1)
    assert (second.is_open, second.attempts) == (True, 1)


def test_a_dry_run_derives_nothing(pbx_world):
    simulator, pbx = pbx_world
    simulator.add_history([missed(int(time.time()) - 600)])
    sync_pbx(pbx, dry_run=True)
    assert not Callback.objects.exists()


def test_the_synced_demo_history_equals_a_rebuild(make_kerio_simulator, settings):
    settings.SYNC_PAGE_SIZE = 25
    simulator = make_kerio_simulator(now=time.time(), history_size=400, days=4)
    pbx = connect(simulator)
    sync_pbx(pbx)
    synced = snapshot()
    resolutions = {row[derive.FIELDS.index("resolution")] for row in synced}
    assert {"", "called_back"} <= resolutions

    Callback.objects.all().delete()
    derive.rebuild()
    assert snapshot() == synced


def test_a_large_run_leaves_the_callbacks_to_a_task(pbx_world, settings, monkeypatch):
    from monitoring import tasks

    simulator, pbx = pbx_world
    simulator.add_history([missed(int(time.time()) - 600)])
    settings.CALLBACKS_INLINE_NUMBERS = 0
    queued = []
    monkeypatch.setattr(tasks.refresh_callbacks, "delay", queued.append)
    sync_pbx(pbx)
    assert not Callback.objects.exists()
    assert [number for number, _at in queued[0]] == ["901234567"]

    tasks.refresh_callbacks(queued[0])
    assert Callback.objects.get().attempts == 1
