"""Repeated failed sign-ins lock the account for a while, with a message in the user's language:
per user name and address, per address across names, behind a trusted proxy by the address it
forwards; and wrong current passwords on the password-change page are throttled alike."""

from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.throttle import client_address

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def throttling_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 5
    settings.TRUSTED_PROXY_COUNT = 0
    cache.clear()
    yield
    cache.clear()


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


# -- Whose address -------------------------------------------------------------------------------

PROXY = "10.0.0.1"
ATTACKER, BOSS = "203.0.113.9", "198.51.100.7"


def sign_in(client, username, password, *, remote=PROXY, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    data = {"username": username, "password": password}
    return client.post(reverse("login"), data, **headers)


def test_behind_a_trusted_proxy_a_stranger_cannot_lock_the_user_out(settings, admin_user):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client()
    for _ in range(3):
        sign_in(attacker, "boss", "wrong", forwarded=ATTACKER)
    assert sign_in(attacker, "boss", "Boss-pass-123", forwarded=ATTACKER).status_code == 429
    # The same proxy forwards the real user from elsewhere: not locked out.
    assert sign_in(Client(), "boss", "Boss-pass-123", forwarded=BOSS).status_code == 302


def test_only_the_address_our_proxy_wrote_counts(settings, admin_user):
    """The client may write X-Forwarded-For itself; our proxy appends the address it saw."""
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client()
    for n in range(3):
        sign_in(attacker, "boss", "wrong", forwarded=f"192.0.2.{n}, {ATTACKER}")
    locked = sign_in(attacker, "boss", "Boss-pass-123", forwarded=f"192.0.2.99, {ATTACKER}")
    assert locked.status_code == 429


def test_without_a_trusted_proxy_the_forwarded_address_is_ignored(admin_user):
    attacker = Client()
    for n in range(3):
        sign_in(attacker, "boss", "wrong", remote=ATTACKER, forwarded=f"192.0.2.{n}")
    locked = sign_in(attacker, "boss", "Boss-pass-123", remote=ATTACKER, forwarded="192.0.2.50")
    assert locked.status_code == 429


@pytest.mark.parametrize(
    ("trusted", "forwarded", "address"),
    [
        (0, "192.0.2.1", PROXY),  # no proxy trusted: the header is anyone's
        (1, None, PROXY),  # did not come through the proxy
        (1, "192.0.2.1, 203.0.113.9", ATTACKER),  # what our proxy appended
        (2, "192.0.2.1, 203.0.113.9, 10.0.0.2", ATTACKER),  # two proxies of ours
        (2, "203.0.113.9", PROXY),  # fewer entries than proxies: not through them all
        (1, "192.0.2.1, not-an-address", PROXY),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_one_our_proxies_forwarded(
    settings, rf, trusted, forwarded, address
):
    settings.TRUSTED_PROXY_COUNT = trusted
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(rf.post("/", **headers)) == address


# -- Many names from one address ------------------------------------------------------------------


def test_one_address_trying_many_names_is_locked_out(admin_user):
    sprayer = Client()
    for n in range(4):
        assert sign_in(sprayer, f"user{n}", "Spring2026!", remote=ATTACKER).status_code == 200
    # Each name fails once only, but the address fails the fifth time.
    assert sign_in(sprayer, "user4", "Spring2026!", remote=ATTACKER).status_code == 429
    assert sign_in(sprayer, "boss", "Boss-pass-123", remote=ATTACKER).status_code == 429
    # Another address is not concerned.
    assert sign_in(Client(), "boss", "Boss-pass-123", remote=BOSS).status_code == 302


def test_signing_in_to_one_account_does_not_clear_the_addresss_failures(
    admin_user, django_user_model
):
    django_user_model.objects.create_user("accomplice", password="Accomplice-pass-1")
    sprayer = Client()
    for n in range(4):
        sign_in(sprayer, f"user{n}", "Spring2026!", remote=ATTACKER)
    assert sign_in(sprayer, "accomplice", "Accomplice-pass-1", remote=ATTACKER).status_code == 302
    sprayer.logout()
    sign_in(sprayer, "user9", "Spring2026!", remote=ATTACKER)
    assert sign_in(sprayer, "boss", "Boss-pass-123", remote=ATTACKER).status_code == 429


# -- The password-change page ---------------------------------------------------------------------


def change_password(client, old):
    new = "Brand-new-pass-2026"
    data = {"old_password": old, "new_password1": new, "new_password2": new}
    return client.post(reverse("password_change"), data)


def test_wrong_current_passwords_are_throttled_on_the_password_change_page(admin_client):
    for _ in range(3):
        response = change_password(admin_client, "guess")
        assert "Your old password was entered incorrectly" in unescape(response.content.decode())
    refused = change_password(admin_client, "Boss-pass-123")
    assert refused.status_code == 200
    assert "Too many wrong passwords. Wait 15 minutes and try again." in unescape(
        refused.content.decode()
    )
    admin_client.logout()
    assert _login(admin_client, "Boss-pass-123").status_code == 302  # unchanged


def test_the_right_current_password_before_the_limit_changes_it(admin_client):
    change_password(admin_client, "guess")
    response = change_password(admin_client, "Boss-pass-123")
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
