"""Settings → SIP provider: list, create, edit, delete; the password is write-only."""

import re
from html import unescape

import pytest
from django.db import connection
from django.urls import reverse

from providers.models import SipTrunk

SECRET = "Bell-Secret-42"


def trunk_data(**overrides):
    data = {
        "name": "BellUZ",
        "server": "bell.uz",
        "login": "company-login",
        "password": SECRET,
        "port": "5060",
        "transport": "udp",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def trunk(db):
    return SipTrunk.objects.create(
        name="BellUZ", server="bell.uz", login="company-login", password=SECRET
    )


def test_it_saves_a_good_record(admin_client, db):
    response = admin_client.post(reverse("sip_trunk_create"), trunk_data())
    assert response.status_code == 302
    trunk = SipTrunk.objects.get()
    assert (trunk.name, trunk.server, trunk.login, trunk.port, trunk.transport) == (
        "BellUZ",
        "bell.uz",
        "company-login",
        5060,
        "udp",
    )
    assert trunk.password == SECRET


def test_the_form_offers_port_5060_and_says_it_only_saves_a_record(admin_client, db):
    html = admin_client.get(reverse("sip_trunk_create")).content.decode()
    assert 'name="port" value="5060"' in html
    assert "Only saved in this system" in html


def _save_button_label(html: str) -> str:
    match = re.search(r'<input type="submit" class="default" value="([^"]*)">', html)
    assert match, "no save button"
    return unescape(match.group(1))


@pytest.mark.default_language
def test_the_save_button_says_save_data_in_uzbek_by_default(admin_client, db):
    html = admin_client.get(reverse("sip_trunk_create")).content.decode()
    assert _save_button_label(html) == "Ma'lumotlarni saqlash"


def test_the_save_button_speaks_the_users_language(admin_client, db):
    admin_client.cookies["django_language"] = "ru"
    html = admin_client.get(reverse("sip_trunk_create")).content.decode()
    assert _save_button_label(html) == "Сохранить данные"


@pytest.mark.parametrize("port", ["0", "65536", "-5", "abc", ""])
def test_a_bad_port_is_a_field_error(admin_client, db, port):
    response = admin_client.post(reverse("sip_trunk_create"), trunk_data(port=port))
    assert response.status_code == 200
    assert "port" in response.context["form"].errors
    assert not SipTrunk.objects.exists()


@pytest.mark.parametrize("server", ["http://bell.uz", "bell.uz:5060", "bell uz", "-bad-.uz", ""])
def test_a_bad_host_is_a_field_error(admin_client, db, server):
    response = admin_client.post(reverse("sip_trunk_create"), trunk_data(server=server))
    assert "server" in response.context["form"].errors
    assert not SipTrunk.objects.exists()


def test_an_ip_address_is_a_good_host(admin_client, db):
    admin_client.post(reverse("sip_trunk_create"), trunk_data(server="195.158.1.10"))
    assert SipTrunk.objects.get().server == "195.158.1.10"


def test_a_duplicate_name_is_refused(admin_client, trunk):
    response = admin_client.post(reverse("sip_trunk_create"), trunk_data(login="other"))
    assert "name" in response.context["form"].errors
    assert SipTrunk.objects.count() == 1


@pytest.mark.default_language
def test_a_duplicate_name_is_refused_in_plain_uzbek(admin_client, trunk):
    response = admin_client.post(reverse("sip_trunk_create"), trunk_data(login="other"))
    assert response.context["form"].errors["name"] == [
        "Bunday nomli SIP provayder allaqachon mavjud."
    ]


def test_a_new_record_needs_a_password(admin_client, db):
    response = admin_client.post(reverse("sip_trunk_create"), trunk_data(password=""))
    assert "password" in response.context["form"].errors
    assert not SipTrunk.objects.exists()


def test_it_keeps_the_stored_password_when_the_field_is_empty(admin_client, trunk):
    response = admin_client.post(
        reverse("sip_trunk_edit", args=[trunk.pk]), trunk_data(password="", port="5061")
    )
    assert response.status_code == 302
    trunk.refresh_from_db()
    assert trunk.port == 5061
    assert trunk.password == SECRET


def test_a_typed_password_replaces_the_stored_one(admin_client, trunk):
    admin_client.post(reverse("sip_trunk_edit", args=[trunk.pk]), trunk_data(password="New-1"))
    trunk.refresh_from_db()
    assert trunk.password == "New-1"


def test_the_password_is_in_no_page(admin_client, trunk):
    pages = [
        reverse("sip_trunk_list"),
        reverse("sip_trunk_edit", args=[trunk.pk]),
        reverse("sip_trunk_delete", args=[trunk.pk]),
        reverse("settings"),
    ]
    for url in pages:
        html = admin_client.get(url).content.decode()
        assert trunk.name in html
        assert SECRET not in html
    # Not even after a failed save, when the form is shown again with the typed values.
    response = admin_client.post(
        reverse("sip_trunk_edit", args=[trunk.pk]), trunk_data(port="0", password="Typed-9")
    )
    assert "port" in response.context["form"].errors
    assert "Typed-9" not in response.content.decode()
    assert SECRET not in response.content.decode()


def test_the_database_holds_no_plaintext_password(trunk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM providers_siptrunk WHERE id = %s", [trunk.pk])
        stored = cursor.fetchone()[0]
    assert SECRET not in stored
    assert stored


def test_delete_asks_first_then_deletes(admin_client, trunk):
    page = admin_client.get(reverse("sip_trunk_delete", args=[trunk.pk]))
    assert "BellUZ" in page.content.decode()
    assert SipTrunk.objects.exists()
    response = admin_client.post(reverse("sip_trunk_delete", args=[trunk.pk]))
    assert response.status_code == 302
    assert not SipTrunk.objects.exists()


def test_the_list_shows_the_records(admin_client, trunk):
    SipTrunk.objects.create(name="Backup", server="10.0.0.5", login="b", password="x", port=5080)
    html = admin_client.get(reverse("sip_trunk_list")).content.decode()
    assert "BellUZ" in html and "bell.uz" in html
    assert "Backup" in html and "5080" in html


def test_a_supervisor_cannot_open_the_settings(client, django_user_model, trunk):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("sup", password="Sup-pass-123")
    user.groups.add(Group.objects.get_or_create(name="Supervisor")[0])
    client.force_login(user)
    assert client.get(reverse("sip_trunk_list")).status_code == 403
    assert client.post(reverse("sip_trunk_delete", args=[trunk.pk])).status_code == 403
    assert SipTrunk.objects.exists()
