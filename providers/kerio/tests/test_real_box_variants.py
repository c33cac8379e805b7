"""What real Kerio Operator boxes do differently, against the simulator over real HTTPS.

The appliance's own certificate, numbers as strings, local-time epochs, an address lock-out after
failed logins, and a box that does not know ``transcode``.
"""

import datetime as dt

import pytest

from providers.kerio import (
    KerioClient,
    LoginBlocked,
    LoginFailed,
    LoginsPaused,
    SavedSession,
    SessionKeeper,
    TlsFingerprintMismatch,
    TlsNotTrusted,
    check_connection,
)
from providers.kerio.tls import format_fingerprint, normalize_fingerprint

WRONG_FINGERPRINT = "ab" * 32


@pytest.fixture
def appliance(make_kerio_simulator):
    """A box with a self-signed, common-name-only certificate issued to a host name."""
    return make_kerio_simulator(certificate="self_signed_cn", cert_common_name="kerio.office.local")


def test_the_appliance_certificate_is_refused_even_as_its_own_ca(appliance):
    settings = appliance.connection_settings(ca_file=appliance.cert_file, retries=0)

    with pytest.raises(TlsNotTrusted), KerioClient(settings) as client:
        client.server_info()


def test_the_check_refuses_what_the_client_refuses_and_shows_the_certificate(appliance):
    result = check_connection(appliance.connection_settings(ca_file=appliance.cert_file))

    assert not result.ok
    assert result.failed_step.code == "tls"
    assert result.certificate_refused
    assert result.certificate.subject == "kerio.office.local"
    assert result.certificate.names == ()
    assert result.certificate.fingerprint == appliance.certificate_fingerprint
    assert appliance.request_counts().get("Session.login", 0) == 0


def test_a_pinned_appliance_certificate_is_accepted_by_the_check_and_the_client(appliance):
    settings = appliance.connection_settings(
        ca_file="", tls_fingerprint=appliance.certificate_fingerprint
    )

    result = check_connection(settings)
    with KerioClient(settings) as client:
        records = [r for page in client.iter_call_history(page_size=500) for r in page.records]

    assert result.ok, result.failed_step
    assert "trusted fingerprint" in result.steps[1].detail
    assert len(records) == len(appliance.history_snapshot())


def test_a_wrong_fingerprint_fails_before_the_login_is_sent(appliance):
    settings = appliance.connection_settings(ca_file="", tls_fingerprint=WRONG_FINGERPRINT)

    with pytest.raises(TlsFingerprintMismatch) as caught, KerioClient(settings) as client:
        client.server_info()

    assert appliance.request_counts() == {}
    message = str(caught.value.user_message)
    assert format_fingerprint(appliance.certificate_fingerprint) in message
    assert format_fingerprint(WRONG_FINGERPRINT) in message
    assert "Trust this certificate" in message


def test_a_renewed_certificate_is_refused_until_trusted_again(appliance):
    pinned = appliance.certificate_fingerprint
    renewed = appliance.renew_certificate()
    settings = appliance.connection_settings(ca_file="", tls_fingerprint=pinned, retries=0)

    with pytest.raises(TlsFingerprintMismatch) as caught, KerioClient(settings) as client:
        client.server_info()
    with KerioClient(appliance.connection_settings(ca_file="", tls_fingerprint=renewed)) as client:
        info = client.server_info()

    assert caught.value.presented == renewed
    assert info.product == "Kerio Operator"


@pytest.mark.parametrize(
    "text",
    [
        "AB:CD:" + "00:" * 29 + "EF",
        "abcd" + "00" * 29 + "ef",
        "sha256=ABCD" + "00" * 29 + "EF",
    ],
)
def test_a_fingerprint_may_be_written_with_or_without_colons(text):
    assert normalize_fingerprint(text) == "abcd" + "00" * 29 + "ef"


@pytest.mark.parametrize("text", ["", "abc", "zz" * 32, "ab" * 20])
def test_anything_else_is_not_a_fingerprint(text):
    with pytest.raises(ValueError):
        normalize_fingerprint(text)


def test_a_box_sending_numbers_as_strings_pages_by_its_string_total(make_kerio_simulator):
    simulator = make_kerio_simulator(history_size=1200, numbers_as_strings=True)

    with KerioClient(simulator.connection_settings()) as client:
        pages = list(client.iter_call_history(page_size=500))

    assert pages[0].total_items == 1200
    assert isinstance(pages[0].records[0]["TIMESTAMP"], str)
    assert sum(len(page.records) for page in pages) == 1200


def test_a_local_time_box_writes_its_wall_clock_as_epoch(make_kerio_simulator):
    utc_box = make_kerio_simulator(history_size=5)
    local_box = make_kerio_simulator(history_size=5, timestamps_timezone="Asia/Tashkent")

    with KerioClient(utc_box.connection_settings()) as client:
        utc = client.call_history_page(0, 5).records
    with KerioClient(local_box.connection_settings()) as client:
        local = client.call_history_page(0, 5).records

    shift = dt.timedelta(hours=5).total_seconds()
    assert [r["TIMESTAMP"] - u["TIMESTAMP"] for r, u in zip(local, utc, strict=True)] == [shift] * 5


def test_the_box_blocks_the_address_after_repeated_failed_logins(make_kerio_simulator):
    simulator = make_kerio_simulator(lockout_after=3)
    wrong = simulator.connection_settings(password="typo")

    for _attempt in range(3):
        with pytest.raises(LoginFailed) as refused, KerioClient(wrong) as client:
            client.login()
        assert not isinstance(refused.value, LoginBlocked)
    with pytest.raises(LoginBlocked) as blocked, KerioClient(simulator.connection_settings()) as c:
        c.login()

    assert simulator.lockouts == 1
    assert "blocked logins from this server" in str(blocked.value.user_message)


class MemoryKeeper(SessionKeeper):
    """Keeps one session and a refusal in memory, as the database keeper does across processes."""

    keeps_session = True

    def __init__(self):
        self.saved = None
        self.refused = 0

    def load(self):
        return self.saved

    def save(self, session: SavedSession):
        self.saved = session

    def forget(self):
        self.saved = None

    def before_login(self):
        if self.refused:
            raise LoginsPaused(reason="refused")

    def login_refused(self, error):
        self.refused += 1


def test_a_kept_session_serves_many_clients_with_one_login(kerio_simulator):
    keeper = MemoryKeeper()

    for _poll in range(30):
        with KerioClient(kerio_simulator.connection_settings(), keeper=keeper) as client:
            client.active_calls()

    counts = kerio_simulator.request_counts()
    assert counts["Session.login"] == 1
    assert counts.get("Session.logout", 0) == 0
    assert counts["Status.getCalls"] == 30


def test_an_expired_kept_session_is_renewed_once(kerio_simulator):
    keeper = MemoryKeeper()
    with KerioClient(kerio_simulator.connection_settings(), keeper=keeper) as client:
        client.active_calls()
    kerio_simulator.expire_sessions()

    with KerioClient(kerio_simulator.connection_settings(), keeper=keeper) as client:
        client.active_calls()

    assert kerio_simulator.request_counts()["Session.login"] == 2
    assert kerio_simulator.request_counts()["Status.getCalls"] == 3


def test_after_a_refused_login_the_keeper_stops_further_tries(kerio_simulator):
    keeper = MemoryKeeper()
    wrong = kerio_simulator.connection_settings(password="typo")

    for _poll in range(20):
        with pytest.raises((LoginFailed, LoginsPaused)), KerioClient(wrong, keeper=keeper) as c:
            c.active_calls()

    assert kerio_simulator.request_counts()["Session.login"] == 1


def test_a_download_falls_back_when_the_box_rejects_transcode(make_kerio_simulator):
    simulator = make_kerio_simulator(rejects_transcode=True, history_size=50)
    recording = simulator.recordings()[0]

    with KerioClient(simulator.connection_settings()) as client:
        data = client.download_recording(recording["ID"]).read()

    assert data == simulator.wav_bytes
    assert simulator.request_counts()["Recordings.downloadAudioContent"] == 2


def test_the_check_says_when_a_box_writes_local_time(make_kerio_simulator):
    import time

    simulator = make_kerio_simulator(timestamps_timezone="Asia/Tashkent", now=time.time())
    simulator.end_call(simulator.start_call("101", "+998901234567"))  # a call just now

    as_utc = check_connection(simulator.connection_settings())
    in_its_zone = check_connection(simulator.connection_settings(), timestamps_zone="Asia/Tashkent")

    assert as_utc.ok and in_its_zone.ok
    assert as_utc.clock_warning.code == "future"
    assert "Time zone of the PBX's timestamps" in as_utc.steps[4].detail
    assert in_its_zone.clock_warning is None
