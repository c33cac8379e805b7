"""The diagnostics file (`manage.py kerio_probe` and the settings page's button): every method's
answer with its field types, the certificate, the clock and how each record is read — never a
password or a token."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from monitoring.diagnostics import diagnostics
from providers.models import KerioSession
from providers.services import save_pbx_connection

METHODS = {
    "Version.getApiVersion",
    "Server.getConstantList",
    "CallHistory.get",
    "Status.getCalls",
    "Server.getInternalDirectoryList",
    "Recordings.get",
}


def connection(simulator, **fields):
    return save_pbx_connection(
        "Office",
        password=simulator.config.password,
        host=simulator.host,
        port=simulator.port,
        username=simulator.config.username,
        ca_file=simulator.ca_file,
        timeout_seconds=5,
        **fields,
    )


@pytest.fixture
def busy_box(make_kerio_simulator):
    simulator = make_kerio_simulator(numbers_as_strings=True, recording_share=1.0)
    simulator.start_call("101", "+998901234567", answered=True)
    return simulator


def probe_file(pbx, tmp_path, *extra) -> dict:
    out = tmp_path / "probe.json"
    call_command("kerio_probe", "--pbx", pbx.name, "--out", str(out), *extra, stderr=StringIO())
    return json.loads(out.read_text())


def test_the_probe_answers_every_method_with_its_field_types(db, busy_box, tmp_path):
    pbx = connection(busy_box)

    document = probe_file(pbx, tmp_path)

    assert set(document["methods"]) == METHODS
    assert document["errors"] == {}
    history = document["methods"]["CallHistory.get"]
    assert len(history["answer"]) == 3
    assert history["types"][0]["TIMESTAMP"] == "string"
    assert document["methods"]["Status.getCalls"]["types"][0]["FROM"] == {
        "NUMBER": "string",
        "NAME": "string",
    }
    assert len(document["methods"]["Recordings.get"]["answer"]) == 1
    assert document["connection"]["certificate"]["sha256"].count(":") == 31
    assert set(document["clock"]) >= {"timestamps_timezone", "newest_record", "server_now"}
    reading = document["reading"][0]
    assert reading["raw"] == history["answer"][0]
    assert reading["read_as"]["status"]
    assert reading["read_as"]["started_at"].endswith("+00:00")


def test_the_probe_never_contains_the_password_or_the_token(db, busy_box, tmp_path):
    pbx = connection(busy_box)
    probe_file(pbx, tmp_path)

    text = (tmp_path / "probe.json").read_text()
    token = KerioSession.objects.get(pbx=pbx).token
    assert token
    assert token not in text
    assert busy_box.config.password not in text


def test_numbers_are_masked_on_request(db, busy_box, tmp_path):
    pbx = connection(busy_box)

    document = probe_file(pbx, tmp_path, "--mask-numbers")

    text = json.dumps(document)
    assert "+998901234567" not in text
    assert "xxxxxxx67" in text
    live = document["methods"]["Status.getCalls"]["answer"][0]
    assert live["FROM"]["NUMBER"] == "101"
    first = document["methods"]["CallHistory.get"]["answer"][0]
    assert first["TIMESTAMP"].isdigit()  # times are quantities, never masked


def test_a_local_time_box_is_detected_in_the_clock_section(db, make_kerio_simulator):
    import time

    simulator = make_kerio_simulator(timestamps_timezone="Asia/Tashkent", now=time.time())
    simulator.end_call(simulator.start_call("101", "+998901234567"))  # a call just now
    pbx = connection(simulator)

    clock = diagnostics(pbx)["clock"]

    assert clock["warning"] and "Asia/Tashkent" in clock["warning"]
    assert -5 * 3600 - 60 < clock["newest_record_age_seconds"] < -5 * 3600 + 60


def test_a_refused_login_is_reported_not_raised(db, kerio_simulator):
    pbx = save_pbx_connection(
        "Office", password="typo", host=kerio_simulator.host, port=kerio_simulator.port,
        username="admin", ca_file=kerio_simulator.ca_file, timeout_seconds=5,
    )  # fmt: skip

    document = diagnostics(pbx)

    assert "Session.login" not in json.dumps(document["methods"])
    assert "Version.getApiVersion" in document["errors"]
    assert "typo" not in json.dumps(document)


def test_administrators_download_it_from_the_settings_page(admin_client, busy_box):
    pbx = connection(busy_box)

    page = admin_client.get(reverse("pbx_edit", args=[pbx.pk])).content.decode()
    response = admin_client.get(reverse("pbx_diagnostics", args=[pbx.pk]))

    assert reverse("pbx_diagnostics", args=[pbx.pk]) in page
    assert response["Content-Disposition"].startswith("attachment;")
    assert set(json.loads(response.content)["methods"]) == METHODS
