"""Connecting a real Kerio Operator from the settings: trusting the appliance's certificate,
an uploaded CA, the PBX's clock, and the guard that keeps a wrong password from locking this
server out."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import AuditEntry
from providers.kerio import KerioClient, LoginFailed, LoginsPaused
from providers.kerio.tls import format_fingerprint
from providers.models import KerioSession, PbxConnection
from providers.services import save_pbx_connection
from providers.session_keeper import keeper_for, logins_paused, resume_logins

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def appliance(make_kerio_simulator):
    return make_kerio_simulator(certificate="self_signed_cn")


def connection_to(simulator, **fields) -> PbxConnection:
    values = {
        "host": simulator.host,
        "port": simulator.port,
        "username": simulator.config.username,
        "timeout_seconds": 5,
        # The simulator's own CA, unless it plays an appliance (then nothing vouches for it).
        "ca_file": simulator.ca_file if simulator.config.certificate == "ca" else "",
        **fields,
    }
    password = values.pop("password", simulator.config.password)
    return save_pbx_connection("Office", password=password, **values)


def test_the_check_offers_to_trust_the_appliance_certificate(admin_client, appliance):
    pbx = connection_to(appliance)

    page = admin_client.post(reverse("pbx_check", args=[pbx.pk]), **HTMX).content.decode()

    assert 'id="trust-certificate"' in page
    assert format_fingerprint(appliance.certificate_fingerprint) in page
    assert "common name only" in page
    assert appliance.request_counts().get("Session.login", 0) == 0


def test_trusting_it_pins_the_fingerprint_audited_and_the_check_then_passes(
    admin_client, appliance
):
    pbx = connection_to(appliance)

    admin_client.post(
        reverse("pbx_trust_certificate", args=[pbx.pk]),
        {"fingerprint": appliance.certificate_fingerprint},
    )
    pbx.refresh_from_db()
    page = admin_client.post(reverse("pbx_check", args=[pbx.pk]), **HTMX).content.decode()

    assert pbx.connection_settings().tls_fingerprint == appliance.certificate_fingerprint
    entry = AuditEntry.objects.filter(action="update", object_id=str(pbx.pk)).latest("at")
    assert "tls_fingerprint" in entry.changes
    assert "Kerio Operator answered" in page


def test_trust_takes_only_a_fingerprint(admin_client, appliance):
    pbx = connection_to(appliance)

    admin_client.post(reverse("pbx_trust_certificate", args=[pbx.pk]), {"fingerprint": "x"})

    pbx.refresh_from_db()
    assert pbx.tls_fingerprint == ""


def test_kerio_setup_pins_a_fingerprint_and_sets_the_clock(db, appliance, monkeypatch):
    monkeypatch.setenv("PBX_PASSWORD", appliance.config.password)
    fingerprint = format_fingerprint(appliance.certificate_fingerprint)

    call_command(
        "kerio_setup", "--name", "Office", "--host", appliance.host,
        "--port", str(appliance.port), "--username", "admin", "--password-env", "PBX_PASSWORD",
        "--tls-fingerprint", fingerprint.lower(), "--timestamps-timezone", "Asia/Tashkent",
    )  # fmt: skip

    pbx = PbxConnection.objects.get(name="Office")
    assert pbx.tls_fingerprint == fingerprint
    assert pbx.timestamps_timezone == "Asia/Tashkent"
    with KerioClient(pbx.connection_settings()) as client:
        assert client.server_info().product == "Kerio Operator"


@pytest.mark.parametrize(
    ("option", "value"),
    [("--tls-fingerprint", "not-hex"), ("--timestamps-timezone", "Mars/Olympus")],
)
def test_kerio_setup_refuses_a_bad_fingerprint_or_zone(db, monkeypatch, option, value):
    monkeypatch.setenv("PBX_PASSWORD", "secret")

    with pytest.raises(CommandError):
        call_command(
            "kerio_setup", "--name", "Office", "--host", "pbx.example.uz", "--username", "admin",
            "--password-env", "PBX_PASSWORD", option, value,
        )  # fmt: skip

    assert not PbxConnection.objects.exists()


def form_values(simulator, **overrides):
    values = {
        "name": "Office",
        "host": simulator.host,
        "port": str(simulator.port),
        "username": "admin",
        "password": simulator.config.password,
        "use_tls": "on",
        "verify_tls": "on",
        "ca_file": "",
        "tls_fingerprint": "",
        "timestamps_timezone": "UTC",
        "timeout_seconds": "5",
        "enabled": "on",
        "internal_number_pattern": r"^\d{2,5}$",
    }
    values.update(overrides)
    return values


def test_an_uploaded_ca_certificate_is_stored_and_used(admin_client, kerio_simulator):
    with open(kerio_simulator.ca_file, "rb") as pem:
        upload = SimpleUploadedFile("office-ca.pem", pem.read())

    admin_client.post(reverse("pbx_create"), {**form_values(kerio_simulator), "ca_upload": upload})

    pbx = PbxConnection.objects.get(name="Office")
    assert pbx.ca_pem.startswith("-----BEGIN CERTIFICATE-----")
    with KerioClient(pbx.connection_settings()) as client:
        assert client.server_info().product == "Kerio Operator"


def test_an_upload_that_is_not_a_certificate_is_refused_in_words(admin_client, kerio_simulator):
    upload = SimpleUploadedFile("notes.txt", b"hello")

    response = admin_client.post(
        reverse("pbx_create"), {**form_values(kerio_simulator), "ca_upload": upload}
    )

    assert "This is not a PEM certificate file" in response.content.decode()
    assert not PbxConnection.objects.exists()


def test_the_form_refuses_an_unknown_time_zone(admin_client, kerio_simulator):
    response = admin_client.post(
        reverse("pbx_create"), form_values(kerio_simulator, timestamps_timezone="Tashkent")
    )

    assert "Enter a time zone name such as Asia/Tashkent" in response.content.decode()


# -- the login guard ------------------------------------------------------------------------------


def poll(pbx: PbxConnection) -> None:
    with KerioClient(pbx.connection_settings(), keeper=keeper_for(pbx)) as client:
        client.active_calls()


def test_a_refused_password_is_tried_once_then_paused(db, kerio_simulator):
    pbx = connection_to(kerio_simulator, password="typo")

    for _poll in range(40):
        with pytest.raises((LoginFailed, LoginsPaused)):
            poll(pbx)

    assert kerio_simulator.request_counts()["Session.login"] == 1
    assert "correct the password in Settings" in str(logins_paused(pbx).user_message)


def test_an_administrator_may_retry_but_never_more_than_three_refusals_in_15_minutes(
    db, kerio_simulator
):
    pbx = connection_to(kerio_simulator, password="typo")

    for _press in range(6):
        resume_logins(pbx)
        with pytest.raises((LoginFailed, LoginsPaused)):
            poll(pbx)

    assert kerio_simulator.request_counts()["Session.login"] == 3
    assert logins_paused(pbx).reason == "limit"


def test_correcting_the_password_in_the_settings_lifts_the_pause(db, kerio_simulator):
    pbx = connection_to(kerio_simulator, password="typo")
    with pytest.raises(LoginFailed):
        poll(pbx)

    pbx = save_pbx_connection("Office", password=kerio_simulator.config.password)
    poll(pbx)

    assert logins_paused(pbx) is None
    assert KerioSession.objects.get(pbx=pbx).failed_logins == []


def test_the_kept_session_is_stored_encrypted(db, kerio_simulator):
    from django.db import connection

    pbx = connection_to(kerio_simulator)
    poll(pbx)

    token = KerioSession.objects.get(pbx=pbx).token
    with connection.cursor() as cursor:
        cursor.execute("SELECT token, cookies FROM providers_keriosession")
        stored_token, stored_cookies = cursor.fetchone()
    assert token and token not in stored_token
    assert "Session" not in stored_cookies


def test_a_box_that_blocked_this_server_is_explained(db, make_kerio_simulator):
    simulator = make_kerio_simulator(lockout_after=1)
    pbx = connection_to(simulator, password="typo")
    with pytest.raises(LoginFailed):
        poll(pbx)  # refused; the box now blocks this address

    pbx = save_pbx_connection("Office", password=simulator.config.password)
    with pytest.raises(LoginFailed) as blocked:
        poll(pbx)

    assert "blocked logins from this server" in str(blocked.value.user_message)
    assert logins_paused(pbx).reason == "blocked"
    assert "wait for the block to expire" in str(logins_paused(pbx).user_message)
