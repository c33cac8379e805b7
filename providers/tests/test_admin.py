"""Django admin for the SIP trunks and PBX connections: passwords stay hidden there too."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from providers.models import SipTrunk
from providers.tests.factories import PBX_PASSWORD

SECRET = PBX_PASSWORD  # the conftest's PBX is saved with it; the trunk here too


@pytest.fixture
def trunk(db):
    return SipTrunk.objects.create(name="BellUZ", server="bell.uz", login="l", password=SECRET)


def change_data(trunk, **overrides):
    data = {
        "name": trunk.name,
        "server": trunk.server,
        "login": trunk.login,
        "password": "",
        "port": trunk.port,
        "transport": trunk.transport,
        "notes": "",
    }
    return {**data, **overrides}


def test_no_admin_page_shows_the_sip_password(admin_client, trunk):
    admin_client.post(reverse("admin:providers_siptrunk_change", args=[trunk.pk]),
                      change_data(trunk, password="Changed-1"))  # fmt: skip
    urls = [
        reverse("admin:providers_siptrunk_changelist"),
        reverse("admin:providers_siptrunk_change", args=[trunk.pk]),
        reverse("admin:providers_siptrunk_history", args=[trunk.pk]),
        reverse("admin:providers_siptrunk_add"),
    ]
    for url in urls:
        html = admin_client.get(url).content.decode()
        assert SECRET not in html
        assert "Changed-1" not in html


def test_no_admin_page_shows_the_pbx_password(admin_client, pbx):
    urls = [
        reverse("admin:providers_pbxconnection_changelist"),
        reverse("admin:providers_pbxconnection_change", args=[pbx.pk]),
        reverse("admin:providers_pbxconnection_history", args=[pbx.pk]),
    ]
    for url in urls:
        html = admin_client.get(url).content.decode()
        assert "pbx.example.uz" in html or "Main" in html
        assert SECRET not in html


def test_the_admin_keeps_the_stored_password_when_the_field_is_empty(admin_client, trunk):
    response = admin_client.post(
        reverse("admin:providers_siptrunk_change", args=[trunk.pk]), change_data(trunk, port=5070)
    )
    assert response.status_code == 302
    trunk.refresh_from_db()
    assert (trunk.port, trunk.password) == (5070, SECRET)
    entry = LogEntry.objects.get()
    assert "password" not in entry.get_change_message().lower()


def test_the_admin_sets_a_typed_password(admin_client, trunk):
    admin_client.post(reverse("admin:providers_siptrunk_change", args=[trunk.pk]),
                      change_data(trunk, password="Changed-1"))  # fmt: skip
    trunk.refresh_from_db()
    assert trunk.password == "Changed-1"


def test_the_admin_needs_a_password_for_a_new_trunk(admin_client, db):
    data = {"name": "X", "server": "x.uz", "login": "l", "password": "", "port": 5060,
            "transport": "udp", "notes": ""}  # fmt: skip
    response = admin_client.post(reverse("admin:providers_siptrunk_add"), data)
    assert response.status_code == 200
    assert "password" in response.context["adminform"].form.errors
    assert not SipTrunk.objects.exists()
