"""Finding a call's recording on boxes that write STARTED differently: as a string, in local
time, at the call's start or at its answer; within a configurable window; on a box that does not
know ``transcode``."""

import datetime as dt

import pytest

from monitoring import recordings
from monitoring.tests.factories import connect, make_call, recorded_call

pytestmark = pytest.mark.usefixtures("private_cache")


def test_a_recording_sent_with_string_numbers_in_local_time_is_found(make_kerio_simulator, db):
    simulator = make_kerio_simulator(
        numbers_as_strings=True, timestamps_timezone="Asia/Tashkent", recording_share=1.0
    )
    pbx = connect(simulator, name="Simulator", timestamps_timezone="Asia/Tashkent")
    call = recorded_call(simulator, pbx)  # the true instants, as the sync stores them

    found = recordings.find_recording(call)

    assert found is not None
    assert found.id == simulator.recordings()[0]["ID"]
    assert found.duration == simulator.recordings()[0]["DURATION"]


def test_without_the_zone_a_local_time_recording_is_not_taken(make_kerio_simulator, db):
    simulator = make_kerio_simulator(timestamps_timezone="Asia/Tashkent", recording_share=1.0)
    call = recorded_call(simulator, connect(simulator, name="Simulator"))

    assert recordings.find_recording(call) is None


def test_started_may_be_the_call_start_rather_than_the_answer(kerio_simulator, db):
    pbx = connect(kerio_simulator, name="Simulator")
    recording = kerio_simulator.recordings()[0]
    call = recorded_call(kerio_simulator, pbx, recording)
    call.started_at = dt.datetime.fromtimestamp(recording["STARTED"], dt.UTC)
    call.save()

    assert recordings.find_recording(call).id == recording["ID"]


@pytest.mark.parametrize(("window", "found"), [(5, False), (30, True)])
def test_the_matching_window_is_a_setting(kerio_simulator, db, settings, window, found):
    settings.RECORDING_MATCH_SECONDS = window
    pbx = connect(kerio_simulator, name="Simulator")
    recording = kerio_simulator.recordings()[0]
    call = recorded_call(kerio_simulator, pbx, recording)
    call.started_at += dt.timedelta(seconds=20)
    call.wait_seconds = 0
    call.save()

    assert (recordings.find_recording(call) is not None) is found


def test_a_box_that_rejects_transcode_still_plays(make_kerio_simulator, db):
    simulator = make_kerio_simulator(rejects_transcode=True, recording_share=1.0)
    call = recorded_call(simulator, connect(simulator, name="Simulator"))

    stream = recordings.open_recording(call)

    assert b"".join(stream.chunks()) == simulator.wav_bytes


def test_lookups_reuse_the_pbx_session(kerio_simulator, db):
    pbx = connect(kerio_simulator, name="Simulator")
    calls = [
        recorded_call(kerio_simulator, pbx, recording)
        for recording in kerio_simulator.recordings()[:5]
    ]

    for call in calls:
        recordings.find_recording(call)

    assert kerio_simulator.request_counts()["Session.login"] == 1


def test_a_call_with_no_parties_finds_nothing_without_asking(kerio_simulator, db):
    pbx = connect(kerio_simulator, name="Simulator")
    call = make_call(pbx, from_number="", to_number="", extension="")

    assert recordings.find_recording(call) is None
    assert kerio_simulator.request_counts() == {}
