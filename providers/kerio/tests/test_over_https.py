"""The client against the simulator over real HTTPS on a free port."""

import json
import socket
from collections import Counter

import pytest

from providers.kerio import (
    ConnectionSettings,
    ConnectionTimeout,
    KerioClient,
    TlsNotTrusted,
    check_connection,
)


def multiset(records):
    return Counter(json.dumps(record, sort_keys=True) for record in records)


def fast(simulator, **overrides):
    """Client settings with tiny backoff so retries cost milliseconds."""
    return simulator.connection_settings(backoff=0.01, **overrides)


def test_it_logs_in_over_https_and_reads_the_version(kerio_simulator):
    with KerioClient(fast(kerio_simulator)) as client:
        info = client.server_info()

    assert info.product == "Kerio Operator"
    assert info.version.startswith("2.")
    assert info.api_version == "1"
    assert kerio_simulator.request_counts()["Session.logout"] == 1


def test_paging_5000_records_with_a_server_cap_of_500_returns_every_record(make_kerio_simulator):
    simulator = make_kerio_simulator(history_size=5000, page_cap=500, days=30)

    with KerioClient(fast(simulator)) as client:
        pages = list(client.iter_call_history(page_size=1000))

    assert all(len(page.records) <= 500 for page in pages)
    assert len(pages) == 10
    assert pages[0].total_items == 5000
    assert multiset(r for page in pages for r in page.records) == multiset(
        simulator.history_snapshot()
    )
    assert simulator.request_counts()["CallHistory.get"] == 11  # the last one is empty


def test_it_logs_in_again_when_the_session_is_expired_between_pages(make_kerio_simulator):
    simulator = make_kerio_simulator(history_size=1200, page_cap=500)
    records = []

    with KerioClient(fast(simulator)) as client:
        for page in client.iter_call_history(page_size=500):
            records += page.records
            simulator.expire_sessions()

    assert multiset(records) == multiset(simulator.history_snapshot())
    assert simulator.request_counts()["Session.login"] == 4  # first + one after each page


def test_a_recording_downloads_as_the_simulators_wav(kerio_simulator):
    with KerioClient(fast(kerio_simulator)) as client:
        recording = client.recordings(limit=1)[0]
        download = client.download_recording(recording["ID"])
        data = b"".join(download.iter_bytes(chunk_size=1024))

    assert data == kerio_simulator.wav_bytes
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert download.content_length == len(data)
    assert download.name == recording["NAME"]


def test_an_untrusted_certificate_is_refused_without_the_ca_file(kerio_simulator):
    with pytest.raises(TlsNotTrusted), KerioClient(fast(kerio_simulator, ca_file="")) as client:
        client.extensions()


def test_verification_turned_off_knowingly_connects(kerio_simulator):
    settings = fast(kerio_simulator, ca_file="", verify_tls=False)

    with KerioClient(settings) as client:
        assert len(client.extensions()) == 23


def test_plain_http_works_when_the_simulator_runs_without_tls(make_kerio_simulator):
    simulator = make_kerio_simulator(tls=False)

    with KerioClient(fast(simulator)) as client:
        assert client.call_history_page(0, 5).total_items == 200


def test_injected_timeouts_are_retried_until_an_answer_comes(make_kerio_simulator):
    simulator = make_kerio_simulator(fault_delay=1.0)
    simulator.faults.fail_method("CallHistory.get", 2, "timeout")

    with KerioClient(fast(simulator, timeout=0.3)) as client:
        page = client.call_history_page(0, 50)

    assert len(page.records) == 50
    assert simulator.request_counts()["CallHistory.get"] == 3


def test_timeouts_beyond_the_retries_raise_connection_timeout(make_kerio_simulator):
    simulator = make_kerio_simulator(fault_delay=1.0)
    simulator.faults.fail_method("CallHistory.get", 3, "timeout")

    with (
        pytest.raises(ConnectionTimeout),
        KerioClient(fast(simulator, timeout=0.3, retries=2)) as client,
    ):
        client.call_history_page(0, 50)


def test_resets_500s_and_garbled_answers_are_survived(kerio_simulator):
    for kind in ("reset", "http500", "bad_json"):
        kerio_simulator.faults.fail_method("Recordings.get", 1, kind)

    with KerioClient(fast(kerio_simulator)) as client:
        assert client.recordings()

    assert kerio_simulator.request_counts()["Recordings.get"] == 4


def test_check_connection_reports_every_step_and_the_version(kerio_simulator):
    result = check_connection(fast(kerio_simulator))

    assert result.ok
    assert [step.code for step in result.steps] == [
        "reach", "tls", "login", "version", "history", "logout"
    ]  # fmt: skip
    assert all(step.ok for step in result.steps)
    assert result.server_info.version.startswith("2.")
    assert "2." in result.steps[3].detail
    assert "200" in result.steps[4].detail


def test_check_connection_with_a_wrong_password_stops_at_login(kerio_simulator):
    result = check_connection(fast(kerio_simulator, password="wrong"))

    assert not result.ok
    assert [step.ok for step in result.steps] == [True, True, False, None, None, None]
    assert "User name or password is incorrect." in result.steps[2].detail
    assert result.failed_step.code == "login"


def test_check_connection_without_the_ca_file_stops_at_tls(kerio_simulator):
    result = check_connection(fast(kerio_simulator, ca_file=""))

    assert result.failed_step.code == "tls"
    assert isinstance(result.error, TlsNotTrusted)
    assert "CA file" in result.steps[1].detail


def test_check_connection_to_a_closed_port_stops_at_the_first_step():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    result = check_connection(ConnectionSettings(host="127.0.0.1", port=port, password="x"))

    assert result.failed_step.code == "reach"
    assert [step.ok for step in result.steps][1:] == [None] * 5
    assert "port" in result.steps[0].detail


def test_check_connection_with_a_missing_ca_file_says_so_at_the_tls_step(kerio_simulator, tmp_path):
    result = check_connection(fast(kerio_simulator, ca_file=str(tmp_path / "nope.pem")))

    assert result.failed_step.code == "tls"
    assert "CA file" in result.steps[1].detail
