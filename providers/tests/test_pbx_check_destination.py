"""The stored PBX password goes only to the server it was saved for: a form that moves the
connection (host, port, TLS settings) needs the password typed again, for "Tekshirish" as for
saving, and the audit log says where each check was sent."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from providers.models import PbxConnection
from providers.testing import simulator_connection

HTMX = {"HTTP_HX_REQUEST": "true"}
PASSWORD_AGAIN = "The address or the TLS settings changed: enter the password again."


@pytest.fixture
def saved(kerio_simulator, db):
    """The connection as saved: the real PBX (a simulator)."""
    return simulator_connection(kerio_simulator)


@pytest.fixture
def elsewhere(make_kerio_simulator):
    """Another server, where someone would like the stored password to go."""
    return make_kerio_simulator(password="not-the-stored-one")


def simulator_form(sim, **overrides):
    """The connection form as sent for the simulator (None leaves a field out: an unticked box)."""
    data = {
        "name": "Simulator",
        "host": sim.host,
        "port": str(sim.port),
        "username": sim.config.username,
        "password": sim.config.password,
        "use_tls": "on",
        "verify_tls": "on",
        "ca_file": sim.ca_file,
        "timeout_seconds": "5",
        "enabled": "on",
        "internal_number_pattern": r"^\d{2,5}$",
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}


def check(client, saved, data):
    return client.post(reverse("pbx_check", args=[saved.pk]), data, **HTMX).content.decode()


def moved_to(elsewhere, sim, **changes):
    return simulator_form(sim, **{"password": "", "port": str(elsewhere.port), **changes})


def test_a_check_with_a_new_port_and_no_password_sends_nothing(
    administrator_client, kerio_simulator, saved, elsewhere
):
    html = check(administrator_client, saved, moved_to(elsewhere, kerio_simulator))
    assert PASSWORD_AGAIN in html
    assert elsewhere.request_counts() == {}
    assert not AuditEntry.objects.filter(action="check").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"host": "localhost"},
        {"port": "1"},
        {"use_tls": None},
        {"verify_tls": None},
        {"ca_file": "/etc/ssl/certs/ca-certificates.crt"},
    ],
    ids=["host", "port", "tls", "verification", "ca file"],
)
def test_any_change_of_where_the_password_goes_needs_it_again(
    administrator_client, kerio_simulator, saved, changes
):
    data = simulator_form(kerio_simulator, password="", **changes)
    kerio_simulator.reset_counts()
    assert PASSWORD_AGAIN in check(administrator_client, saved, data)
    assert kerio_simulator.request_counts() == {}
    # Saving the same form is refused alike: the next sync would send it there.
    response = administrator_client.post(reverse("pbx_edit", args=[saved.pk]), data)
    assert PASSWORD_AGAIN in response.content.decode()
    stored = PbxConnection.objects.get(pk=saved.pk)
    assert (stored.host, stored.port, stored.use_tls) == (saved.host, saved.port, True)


def test_with_the_password_typed_the_check_goes_to_the_new_address_and_says_so(
    administrator_client, kerio_simulator, saved, elsewhere
):
    data = moved_to(elsewhere, kerio_simulator, password=elsewhere.config.password)
    html = check(administrator_client, saved, data)
    assert "2.6.3 build 7432" in html
    assert elsewhere.request_counts()["Session.login"] == 1
    entry = AuditEntry.objects.get(action="check")
    assert entry.changes == {"sent_to": f"https://{elsewhere.host}:{elsewhere.port}"}


def test_the_check_of_the_saved_connection_records_where_it_went(
    administrator_client, kerio_simulator, saved
):
    administrator_client.post(reverse("pbx_check", args=[saved.pk]), **HTMX)
    entry = AuditEntry.objects.get(action="check")
    assert entry.changes == {"sent_to": f"https://{kerio_simulator.host}:{kerio_simulator.port}"}
    assert entry.object_id == str(saved.pk)
