"""The Kerio client against a scripted server (``responses``): the protocol and every error."""

import json
import pickle
import socket
import ssl

import pytest
import requests
import responses
from responses import matchers
from responses.registries import OrderedRegistry
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from providers.kerio import (
    AccessDenied,
    ApiError,
    ConnectionRefused,
    ConnectionSettings,
    ConnectionTimeout,
    HostNotFound,
    KerioClient,
    LoginFailed,
    ServerUnavailable,
    SessionExpired,
    TlsError,
    TlsNotTrusted,
    UnexpectedAnswer,
)

SECRET = "Maxfiy-Parol-42!"
SETTINGS = ConnectionSettings(
    host="pbx.example.uz", username="admin", password=SECRET, retries=2, backoff=0.01
)
URL = SETTINGS.url


def rpc(method: str, result=None, *, error=None, status=200, body=None, headers=None):
    """Script the answer to the next call of ``method``."""
    if error is not None:
        payload = {
            "jsonrpc": "2.0",
            "id": 1,
            "error": {
                "code": error[0],
                "message": error[1],
                "data": {"messageParameters": {"positionalParameters": []}},
            },
        }
    else:
        payload = {"jsonrpc": "2.0", "id": 1, "result": result if result is not None else {}}
    responses.add(
        responses.POST,
        URL,
        body=body if body is not None else json.dumps(payload),
        status=status,
        headers=headers,
        match=[matchers.json_params_matcher({"method": method}, strict_match=False)],
    )


def login_ok(token="tok-1"):
    rpc("Session.login", {"token": token}, headers={"Set-Cookie": "Session_admin=c00kie; Path=/"})


def sent(index: int) -> dict:
    return json.loads(responses.calls[index].request.body)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return KerioClient(SETTINGS, sleep=sleeps.append)


def assert_no_secret(*texts):
    for text in texts:
        assert SECRET not in str(text)


@responses.activate(registry=OrderedRegistry)
def test_it_logs_in_then_sends_token_and_cookie_on_every_call(client):
    login_ok("tok-1")
    rpc("Status.getCalls", {"calls": [{"STATUS": 1}], "totalItems": 1})

    assert client.active_calls() == [{"STATUS": 1}]

    login, call = responses.calls[0].request, responses.calls[1].request
    assert login.headers["Content-Type"] == "application/json-rpc"
    assert sent(0)["params"]["userName"] == "admin"
    assert sent(0)["params"]["password"] == SECRET
    assert sent(0)["params"]["application"]["name"] == "Call Center Monitor"
    assert "X-Token" not in login.headers
    assert call.headers["X-Token"] == "tok-1"
    assert "Session_admin=c00kie" in call.headers["Cookie"]
    assert sent(0)["jsonrpc"] == "2.0"
    assert sent(1)["id"] == sent(0)["id"] + 1
    assert sent(1)["params"]["query"]["limit"] == -1


@responses.activate(registry=OrderedRegistry)
def test_it_logs_in_again_and_repeats_the_call_once_when_the_session_expired(client):
    login_ok("old")
    rpc("Server.getInternalDirectoryList", error=(-32001, "Session expired."))
    login_ok("new")
    rpc("Server.getInternalDirectoryList", {"numberList": [{"TEL_NUM": "101"}]})

    assert client.extensions() == [{"TEL_NUM": "101"}]
    assert responses.calls[3].request.headers["X-Token"] == "new"


@responses.activate(registry=OrderedRegistry)
def test_it_gives_up_when_the_session_expires_again_right_after_a_new_login(client):
    login_ok()
    rpc("Recordings.get", error=(-32001, "Session expired."))
    login_ok()
    rpc("Recordings.get", error=(-32001, "Session expired."))

    with pytest.raises(SessionExpired) as caught:
        client.recordings()
    assert caught.value.code == -32001
    assert len(responses.calls) == 4


@responses.activate(registry=OrderedRegistry)
def test_it_retries_after_a_5xx(client, sleeps):
    login_ok()
    rpc("Recordings.get", status=502, body="<html>Bad gateway</html>")
    rpc("Recordings.get", {"recordingList": [{"ID": "r1"}]})

    assert client.recordings() == [{"ID": "r1"}]
    assert len(sleeps) == 1


@responses.activate(registry=OrderedRegistry)
def test_it_raises_server_unavailable_when_retries_run_out(client, sleeps):
    login_ok()
    for _ in range(3):  # the first try and two retries
        rpc("Recordings.get", status=503, body="down")

    with pytest.raises(ServerUnavailable):
        client.recordings()
    assert len(sleeps) == 2
    assert 0.005 <= sleeps[0] <= 0.015  # backoff 0.01, jittered
    assert 0.01 <= sleeps[1] <= 0.03  # doubled


@responses.activate(registry=OrderedRegistry)
def test_it_retries_a_body_that_is_not_json_then_raises_unexpected_answer(client, sleeps):
    login_ok()
    for _ in range(3):
        rpc("Recordings.get", body="<html>Login page</html>")

    with pytest.raises(UnexpectedAnswer):
        client.recordings()
    assert len(sleeps) == 2


@responses.activate(registry=OrderedRegistry)
def test_it_recovers_when_a_garbled_answer_is_followed_by_a_good_one(client):
    login_ok()
    rpc("CallHistory.get", body='{"jsonrpc": "2.0", "resu')
    rpc("CallHistory.get", {"callHistory": [], "totalItems": 0})

    assert client.call_history_page(0, 10).records == []


@responses.activate(registry=OrderedRegistry)
def test_it_raises_login_failed_with_kerios_own_message(client):
    rpc("Session.login", error=(1000, "User name or password is incorrect."))

    with pytest.raises(LoginFailed) as caught:
        client.extensions()
    assert caught.value.server_message == "User name or password is incorrect."
    assert "User name or password is incorrect." in str(caught.value.user_message)
    assert len(responses.calls) == 1  # no retry of a refused login


@responses.activate(registry=OrderedRegistry)
def test_it_raises_access_denied_on_code_1004(client):
    login_ok()
    rpc("Recordings.get", error=(1004, "Access denied."))

    with pytest.raises(AccessDenied) as caught:
        client.recordings()
    assert caught.value.code == 1004
    assert "administrator" in str(caught.value.user_message)


@responses.activate(registry=OrderedRegistry)
def test_it_raises_api_error_with_code_and_message(client):
    login_ok()
    rpc("Nope.method", error=(-32601, "Method not found."))

    with pytest.raises(ApiError) as caught:
        client.call("Nope.method")
    assert (caught.value.code, caught.value.server_message) == (-32601, "Method not found.")
    assert "-32601" in str(caught.value.user_message)


def _connection_error(reason: Exception) -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(MaxRetryError(None, URL, reason))


@responses.activate
def test_it_raises_host_not_found_when_dns_fails(client, sleeps):
    gai = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    dns = NameResolutionError("pbx.example.uz", None, gai)
    responses.add(responses.POST, URL, body=_connection_error(dns))

    with pytest.raises(HostNotFound):
        client.extensions()
    assert sleeps == []


@responses.activate
def test_it_raises_tls_not_trusted_when_the_certificate_is_not_verified(client):
    verify = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed")
    responses.add(
        responses.POST, URL, body=requests.exceptions.SSLError(MaxRetryError(None, URL, verify))
    )

    with pytest.raises(TlsNotTrusted) as caught:
        client.extensions()
    assert "CA file" in str(caught.value.user_message)


@responses.activate
def test_it_raises_tls_error_for_other_tls_failures(client):
    wrong = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    responses.add(
        responses.POST, URL, body=requests.exceptions.SSLError(MaxRetryError(None, URL, wrong))
    )

    with pytest.raises(TlsError):
        client.extensions()


@responses.activate
def test_it_raises_connection_refused_when_the_port_is_closed(client, sleeps):
    refused = NewConnectionError(None, "Failed to establish a new connection")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    responses.add(responses.POST, URL, body=_connection_error(refused))

    with pytest.raises(ConnectionRefused):
        client.extensions()
    assert sleeps == []


def test_it_raises_connection_refused_for_a_real_closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends
    settings = ConnectionSettings(host="127.0.0.1", port=port, password=SECRET, scheme="http")

    with pytest.raises(ConnectionRefused), KerioClient(settings) as client:
        client.extensions()


@responses.activate
def test_it_retries_timeouts_then_raises_connection_timeout(client, sleeps):
    responses.add(responses.POST, URL, body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(ConnectionTimeout):
        client.extensions()
    assert len(responses.calls) == 3
    assert len(sleeps) == 2


@responses.activate
def test_it_raises_server_unavailable_when_the_connection_keeps_being_reset(client):
    reset = ConnectionResetError(104, "Connection reset by peer")
    responses.add(responses.POST, URL, body=requests.exceptions.ConnectionError(reset))

    with pytest.raises(ServerUnavailable):
        client.extensions()
    assert len(responses.calls) == 3


LEAKY_SCENARIOS = {
    "login refused": lambda: rpc("Session.login", error=(1000, "Bad credentials")),
    "5xx": lambda: [rpc("Session.login", status=500, body="oops") for _ in range(3)],
    "not json": lambda: [rpc("Session.login", body="<html>") for _ in range(3)],
    "timeout": lambda: responses.add(
        responses.POST, URL, body=requests.exceptions.ConnectTimeout()
    ),
    "expired twice": lambda: [
        login_ok(),
        rpc("Recordings.get", error=(-32001, "Session expired.")),
        login_ok(),
        rpc("Recordings.get", error=(-32001, "Session expired.")),
    ],
}


@pytest.mark.parametrize("scenario", LEAKY_SCENARIOS)
@responses.activate
def test_the_password_never_appears_in_errors_reprs_or_logs(scenario, client, caplog):
    caplog.set_level("DEBUG", logger="providers.kerio")
    LEAKY_SCENARIOS[scenario]()

    with pytest.raises(Exception) as caught:
        client.recordings()

    error = caught.value
    assert_no_secret(str(error), repr(error), str(error.user_message), repr(client))
    assert_no_secret(repr(SETTINGS), str(SETTINGS), caplog.text)
    assert all(SECRET not in str(record.args) for record in caplog.records)


@responses.activate(registry=OrderedRegistry)
def test_it_pages_by_the_number_of_records_actually_returned(client):
    login_ok()
    rows = [{"TIMESTAMP": 100 - i} for i in range(7)]
    rpc("CallHistory.get", {"callHistory": rows[:3], "totalItems": 7})  # asked 5, got 3
    rpc("CallHistory.get", {"callHistory": rows[3:7], "totalItems": 7})
    rpc("CallHistory.get", {"callHistory": [], "totalItems": 7})

    pages = list(client.iter_call_history(page_size=5))

    assert [page.records for page in pages] == [rows[:3], rows[3:7]]
    assert [sent(i)["params"]["query"]["start"] for i in (1, 2, 3)] == [0, 3, 7]
    query = sent(1)["params"]["query"]
    assert query["limit"] == 5
    assert query["orderBy"] == [{"columnName": "TIMESTAMP", "direction": "Desc"}]
    assert query["combining"] == "And"


@responses.activate(registry=OrderedRegistry)
def test_it_sends_conditions_and_ascending_order_when_asked(client):
    login_ok()
    rpc("CallHistory.get", {"callHistory": [{"A": 1}], "totalItems": 1})
    condition = {"fieldName": "TO_NUM", "comparator": "Eq", "value": "101"}

    page = client.call_history_page(20, 10, newest_first=False, conditions=[condition])

    assert page.records == [{"A": 1}] and page.start == 20 and page.total_items == 1
    query = sent(1)["params"]["query"]
    assert query["conditions"] == [condition]
    assert query["orderBy"][0]["direction"] == "Asc"


@responses.activate(registry=OrderedRegistry)
def test_it_raises_unexpected_answer_when_the_history_list_is_missing(client):
    login_ok()
    rpc("CallHistory.get", {"totalItems": 3})

    with pytest.raises(UnexpectedAnswer):
        client.call_history_page(0, 10)


@responses.activate(registry=OrderedRegistry)
def test_it_reads_the_server_version_and_tolerates_a_missing_api_version(client):
    login_ok()
    product = {"SERVER_SOFTWARE": "Kerio Operator 2.7.1 build 8001", "SERVER_OS": "Linux"}
    rpc("Server.getConstantList", {"constantList": {"product": product}})
    rpc("Version.getApiVersion", error=(-32601, "Method not found."))

    info = client.server_info()

    assert (info.product, info.version, info.os, info.api_version) == (
        "Kerio Operator",
        "2.7.1 build 8001",
        "Linux",
        None,
    )


@responses.activate(registry=OrderedRegistry)
def test_it_downloads_a_recording_with_the_same_session(client):
    login_ok("tok-9")
    rpc("Recordings.downloadAudioContent", {"fileDownload": {"name": "a.wav", "url": "dl/a.wav"}})
    responses.add(
        responses.GET,
        SETTINGS.base_url + "/admin/api/jsonrpc/dl/a.wav",
        body=b"RIFF1234",
        content_type="audio/wav",
        headers={"Content-Length": "8"},
    )

    with client.download_recording("r1") as download:
        assert (download.name, download.content_type) == ("a.wav", "audio/wav")
        assert download.content_length == 8
        assert b"".join(download.iter_bytes(chunk_size=3)) == b"RIFF1234"
    assert sent(1)["params"] == {"id": "r1", "transcode": True}
    get = responses.calls[2].request
    assert get.headers["X-Token"] == "tok-9"
    assert "Session_admin=c00kie" in get.headers["Cookie"]


@responses.activate(registry=OrderedRegistry)
def test_an_absolute_download_link_never_leaves_the_configured_server(client):
    login_ok()
    link = "https://operator.internal.lan:4021/download/x.wav?k=1"
    rpc("Recordings.downloadAudioContent", {"fileDownload": {"name": "x.wav", "url": link}})
    responses.add(responses.GET, SETTINGS.base_url + "/download/x.wav?k=1", body=b"W")

    assert client.download_recording("x").read() == b"W"


@responses.activate(registry=OrderedRegistry)
def test_it_logs_out_on_leaving_the_context_and_ignores_logout_errors(sleeps):
    login_ok()
    rpc("Status.getCalls", {"calls": []})
    rpc("Session.logout", error=(-32001, "Session expired."))

    with KerioClient(SETTINGS, sleep=sleeps.append) as client:
        client.active_calls()
    assert not client.logged_in
    assert sent(2)["method"] == "Session.logout"


def test_the_settings_hide_the_password_and_build_the_url():
    settings = ConnectionSettings(host="10.0.0.5", password=SECRET)

    assert SECRET not in repr(settings)
    assert settings.base_url == "https://10.0.0.5:4021"
    assert settings.url == "https://10.0.0.5:4021/admin/api/jsonrpc/"
    assert settings.verify is True


def test_a_ca_file_is_used_for_verification_unless_verification_is_off():
    with_ca = ConnectionSettings(host="pbx", ca_file="/etc/pbx-ca.pem")
    off = ConnectionSettings(host="pbx", ca_file="/etc/pbx-ca.pem", verify_tls=False)

    assert with_ca.verify == "/etc/pbx-ca.pem"
    assert off.verify is False


@responses.activate(registry=OrderedRegistry)
def test_logging_out_is_tried_once_so_leaving_a_dead_server_is_quick(sleeps):
    login_ok()
    rpc("Status.getCalls", {"calls": []})
    rpc("Session.logout", status=503, body="down")

    with KerioClient(SETTINGS, sleep=sleeps.append) as client:
        client.active_calls()
    assert len(responses.calls) == 3
    assert sleeps == []


def test_an_unreadable_ca_file_is_a_tls_error_that_names_the_file(tmp_path):
    settings = ConnectionSettings(host="127.0.0.1", ca_file=str(tmp_path / "missing.pem"))

    with pytest.raises(TlsError) as caught, KerioClient(settings) as client:
        client.extensions()
    assert "CA file" in str(caught.value.user_message)


def test_errors_survive_pickling_with_their_message():
    error = LoginFailed("login refused", code=1000, server_message="Wrong password.")

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - bytes made just above
    assert "Wrong password." in str(copy.user_message)
    assert str(copy) == "login refused"
