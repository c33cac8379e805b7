"""Hostile input in the settings forms and the login form: arbitrary text, numbers, huge values
and unicode are either saved as typed or refused with form errors, never a server error."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from providers.models import PbxConnection, SipTrunk

FUZZ = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALUES = st.one_of(
    st.text(max_size=100),
    st.text(min_size=256, max_size=3000),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "", "0", "65536", "-1", "on", "off", "true", "udp", "sctp", "\x00", "bell.uz",
            "http://evil.example/", "127.0.0.1:4021", "[", "(a+)+$", "../../../etc/passwd",
            "<script>alert(1)</script>", "' OR 1=1 --", "\u202e", "📞" * 300,
        ]
    ),
)  # fmt: skip


def form(fields):
    """Some of the fields (the name always: an empty POST is taken for a first visit)."""
    optional = dict.fromkeys(fields[1:], VALUES)
    return st.fixed_dictionaries({fields[0]: VALUES}, optional=optional)


SIP_FIELDS = ["name", "server", "login", "password", "port", "transport", "notes"]
PBX_FIELDS = [
    "name", "host", "port", "username", "password", "use_tls", "verify_tls", "ca_file",
    "timeout_seconds", "enabled", "internal_number_pattern",
]  # fmt: skip


@pytest.fixture
def fast_hashing(settings):
    """A failed login still hashes the typed password (against timing attacks): quickly, here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin(db, admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def outcome(response, model, before: int) -> None:
    """Saved (a redirect, one more row) or refused (the form again, with errors, nothing new)."""
    if response.status_code == 302:
        assert model.objects.count() == before + 1
    else:
        assert response.status_code == 200
        assert b"errorlist" in response.content
        assert model.objects.count() == before


@FUZZ
@given(data=form(SIP_FIELDS))
def test_the_sip_form_takes_any_input(admin, data):
    before = SipTrunk.objects.count()
    outcome(admin.post(reverse("sip_trunk_create"), data), SipTrunk, before)


@FUZZ
@given(data=form(PBX_FIELDS))
def test_the_pbx_form_takes_any_input(admin, data):
    before = PbxConnection.objects.count()
    outcome(admin.post(reverse("pbx_create"), data), PbxConnection, before)


@FUZZ
@given(data=form(SIP_FIELDS))
def test_editing_a_sip_record_takes_any_input(admin, data):
    trunk, _created = SipTrunk.objects.get_or_create(
        name="Edited", defaults={"server": "bell.uz", "login": "l", "password": "p"}
    )
    response = admin.post(reverse("sip_trunk_edit", args=[trunk.pk]), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert b"errorlist" in response.content


@FUZZ
@given(username=VALUES, password=VALUES)
def test_the_login_form_takes_any_input(db, fast_hashing, username, password):
    response = Client().post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 200
    assert b"errornote" in response.content
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_pbx_check_refuses_a_bad_form_without_connecting(admin, monkeypatch):
    called = []
    monkeypatch.setattr("providers.views.check_connection", lambda *a: called.append(a))
    data = {"host": "<script>", "port": "99999999999999999999", "password": "\x00"}
    response = admin.post(reverse("pbx_check_new"), data)
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert called == []
