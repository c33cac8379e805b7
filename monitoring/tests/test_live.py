"""The live snapshot: replaced whole at each poll; a failed poll keeps the last picture, stale."""

import pytest
from django.core.cache import cache

from monitoring.live import poll_live_calls
from monitoring.models import Direction, LiveCall
from monitoring.tests.factories import connect
from providers.messages import words

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_cached_directory():
    cache.clear()


def test_it_shows_the_calls_in_progress(kerio_simulator):
    pbx = connect(kerio_simulator)
    kerio_simulator.start_call("+998901234567", "101", from_name="Anvar")
    talking = kerio_simulator.start_call("102", "998935551122", answered=True)
    kerio_simulator.state.live[talking].started -= 90

    snapshot = poll_live_calls(pbx)

    assert snapshot.taken_at is not None and not snapshot.is_stale
    calls = {call.from_number: call for call in snapshot.calls.all()}
    ringing, connected = calls["+998901234567"], calls["102"]
    assert (ringing.direction, ringing.extension, ringing.state) == (
        Direction.INBOUND, "101", "ringing",
    )  # fmt: skip
    assert ringing.from_name == "Anvar"
    assert (connected.direction, connected.state) == (Direction.OUTBOUND, "talking")
    assert connected.total_seconds >= 90
    assert abs((snapshot.taken_at - connected.started_at).total_seconds() - 90) < 3


def test_each_poll_replaces_the_previous_calls(kerio_simulator):
    pbx = connect(kerio_simulator)
    first = kerio_simulator.start_call("+998901234567", "101")
    poll_live_calls(pbx)
    kerio_simulator.end_call(first)
    kerio_simulator.start_call("+998971112233", "103")

    snapshot = poll_live_calls(pbx)

    assert list(snapshot.calls.values_list("from_number", flat=True)) == ["+998971112233"]
    assert LiveCall.objects.count() == 1


def test_a_failed_poll_keeps_the_old_calls_and_says_since_when(kerio_simulator):
    pbx = connect(kerio_simulator)
    kerio_simulator.start_call("+998901234567", "101")
    taken = poll_live_calls(pbx).taken_at
    kerio_simulator.faults.fail_method("Status.getCalls", 1, "http500")

    snapshot = poll_live_calls(pbx)

    assert snapshot.is_stale
    assert snapshot.taken_at == taken
    assert snapshot.error and snapshot.error_at is not None
    assert snapshot.calls.count() == 1

    recovered = poll_live_calls(pbx)
    assert not recovered.is_stale and recovered.error == "" and recovered.error_at is None


def test_an_unreachable_pbx_gives_a_stale_snapshot_not_an_exception(kerio_simulator):
    pbx = connect(kerio_simulator)
    kerio_simulator.stop()

    snapshot = poll_live_calls(pbx)

    assert snapshot.is_stale and snapshot.taken_at is None
    assert "refused" in words(snapshot.error)
    assert kerio_simulator.config.password not in str(snapshot.error)


def test_odd_live_entries_do_not_break_the_poll(kerio_simulator, monkeypatch):
    from providers.kerio import KerioClient

    odd = [
        {"FROM": "101", "TO": {"NUMBER": None}, "STATUS": "x", "CALL_DURATION": "12"},
        {"FROM": {"NUMBER": 901234567}, "TO": {"NUMBER": "101", "NAME": None}},
        "garbage",
    ]
    monkeypatch.setattr(KerioClient, "active_calls", lambda self: odd)
    pbx = connect(kerio_simulator)

    snapshot = poll_live_calls(pbx)

    assert snapshot.calls.count() == 2
    first = snapshot.calls.get(from_number="101")
    assert (first.total_seconds, first.status_code, first.to_number) == (12, None, "")
