"""The write-only password of the settings forms (also used by the admin)."""

import pytest

from providers.forms import PbxConnectionForm, SipTrunkForm
from providers.models import PbxConnection, SipTrunk


def sip_data(**overrides):
    data = {"name": "BellUZ", "server": "bell.uz", "login": "l", "port": 5060, "transport": "udp"}
    return {**data, **overrides}


def pbx_data(**overrides):
    data = {
        "name": "Main",
        "host": "pbx.example.uz",
        "port": 4021,
        "username": "admin",
        "use_tls": True,
        "verify_tls": True,
        "timeout_seconds": 15,
        "enabled": True,
        "internal_number_pattern": r"^\d{2,5}$",
    }
    return {**data, **overrides}


@pytest.fixture
def trunk(db):
    return SipTrunk.objects.create(name="BellUZ", server="bell.uz", login="l", password="Old-1")


def test_the_password_field_never_renders_the_stored_value(trunk):
    form = SipTrunkForm(instance=trunk)
    assert "Old-1" not in str(form)
    assert "password" not in form.initial


def test_the_password_is_required_only_for_a_new_record(trunk):
    assert SipTrunkForm().fields["password"].required
    assert not SipTrunkForm(instance=trunk).fields["password"].required


def test_an_empty_password_keeps_the_stored_one_and_is_not_a_change(trunk):
    form = SipTrunkForm(sip_data(password=""), instance=trunk)
    assert form.is_valid(), form.errors
    assert "password" not in form.changed_data
    form.save()
    trunk.refresh_from_db()
    assert trunk.password == "Old-1"


def test_a_typed_password_is_a_change(trunk):
    form = SipTrunkForm(sip_data(password="New-2"), instance=trunk)
    assert form.is_valid()
    assert form.changed_data == ["password"]
    assert form.save().password == "New-2"


def test_the_pbx_form_reports_no_new_password_when_empty(db):
    pbx = PbxConnection.objects.create(
        name="Main", host="pbx.example.uz", username="admin", password="Pbx-1"
    )
    form = PbxConnectionForm(pbx_data(password=""), instance=pbx)
    assert form.is_valid(), form.errors
    assert form.new_password is None
    assert "password" not in form.connection_values()
    assert form.connection_values()["host"] == "pbx.example.uz"


@pytest.mark.parametrize(
    ("field", "value"),
    [("host", "https://pbx.example.uz"), ("port", 70000), ("timeout_seconds", 0),
     ("internal_number_pattern", "([")],
)  # fmt: skip
def test_the_pbx_form_rejects_bad_values(db, field, value):
    form = PbxConnectionForm(pbx_data(password="x", **{field: value}))
    assert not form.is_valid()
    assert field in form.errors
