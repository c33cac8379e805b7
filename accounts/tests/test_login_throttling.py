"""Repeated failed sign-ins lock the account for a while, with a message in the user's language."""

from html import unescape

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def throttling_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def _login(client, password):
    return client.post(reverse("login"), {"username": "boss", "password": password})


def test_it_locks_out_after_repeated_failures(client, admin_user):
    for _ in range(2):
        assert _login(client, "wrong").status_code == 200
    locked = _login(client, "wrong")
    assert locked.status_code == 429
    assert "Too many failed attempts" in unescape(locked.content.decode())
    # Even the right password is refused while locked.
    assert _login(client, "Boss-pass-123").status_code == 429


@pytest.mark.default_language
def test_it_speaks_uzbek_when_locked_out(client, admin_user):
    for _ in range(3):
        response = _login(client, "wrong")
    assert response.status_code == 429
    assert 'lang="uz"' in response.content.decode()
    assert "Too many failed attempts" not in unescape(response.content.decode())


def test_a_success_before_the_limit_resets_the_count(client, admin_user):
    _login(client, "wrong")
    _login(client, "wrong")
    assert _login(client, "Boss-pass-123").status_code == 302
    client.logout()
    assert _login(client, "wrong").status_code == 200
