"""A recording lookup against a slow or hung PBX: it gives up with a clear "slow" message
instead of holding a web worker, asks the PBX once (no retries), stops asking a PBX that timed
out for a while, and lets only a few pages wait on one PBX, so other pages keep answering."""

import threading

import pytest
import requests
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from accounts.testing import make_user
from monitoring.tests.factories import connect, recorded_call

pytestmark = pytest.mark.usefixtures("private_cache")

HTMX = {"HX-Request": "true"}
SLOW = "Kerio Operator is slow to answer right now"


@pytest.fixture
def hung_pbx(make_kerio_simulator):
    """A simulator that holds every recording search for 30 seconds before answering."""
    simulator = make_kerio_simulator(fault_delay=30)
    simulator.faults.fail_method("Recordings.get", 100, "timeout")
    return simulator


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_hung_pbx_gets_one_short_attempt_then_is_left_alone(hung_pbx, settings, db):
    settings.PBX_PAGE_TIMEOUT_SECONDS = 1
    pbx = connect(hung_pbx, name="Simulator", timeout_seconds=60)
    first, second = recorded_call(hung_pbx, pbx), recorded_call(hung_pbx, pbx)
    client = signed_in(make_user("sardor", Role.SUPERVISOR))

    page = client.get(reverse("call_recording", args=[first.pk]), HTTP_HX_REQUEST="true")
    assert SLOW in page.content.decode()
    assert hung_pbx.request_counts()["Recordings.get"] == 1  # no retry

    # Marked slow: the next lookup answers at once without asking the PBX.
    logins = hung_pbx.request_counts()["Session.login"]
    page = client.get(reverse("call_recording", args=[second.pk]), HTTP_HX_REQUEST="true")
    assert SLOW in page.content.decode()
    assert hung_pbx.request_counts()["Recordings.get"] == 1
    assert hung_pbx.request_counts()["Session.login"] == logins
    audio = client.get(reverse("call_recording_audio", args=[second.pk]))
    assert audio.status_code == 502 and SLOW in audio.content.decode()


def test_other_pages_answer_while_a_lookup_waits_on_the_pbx(
    hung_pbx, settings, live_server, transactional_db
):
    settings.PBX_PAGE_TIMEOUT_SECONDS = 10
    settings.PBX_PAGE_CALLS = 1
    pbx = connect(hung_pbx, name="Simulator")
    waiting_call, other_call = recorded_call(hung_pbx, pbx), recorded_call(hung_pbx, pbx)
    session = requests.Session()
    session.cookies["sessionid"] = (
        signed_in(make_user("sardor", Role.SUPERVISOR)).cookies["sessionid"].value
    )
    answers = {}

    def look_up():
        url = live_server.url + reverse("call_recording", args=[waiting_call.pk])
        answers["waiting"] = session.get(url, headers=HTMX, timeout=60).text

    lookup = threading.Thread(target=look_up)
    lookup.start()
    try:
        hung_pbx_asked = lambda: hung_pbx.request_counts().get("Recordings.get") == 1  # noqa: E731
        assert wait_until(hung_pbx_asked), "the lookup did not reach the PBX"

        live = session.get(live_server.url + reverse("live_calls"), timeout=60)
        other = session.get(
            live_server.url + reverse("call_recording", args=[other_call.pk]),
            headers=HTMX,
            timeout=60,
        )
        assert lookup.is_alive(), "the first lookup should still be waiting on the PBX"
    finally:
        lookup.join(60)
    assert live.status_code == 200
    # The one slot for this PBX is taken: the second lookup is refused without asking the PBX.
    assert SLOW in other.text
    assert hung_pbx.request_counts()["Recordings.get"] == 1
    assert SLOW in answers["waiting"]


def wait_until(condition, timeout: float = 30.0) -> bool:
    event = threading.Event()
    for _attempt in range(int(timeout / 0.05)):
        if condition():
            return True
        event.wait(0.05)
    return False
