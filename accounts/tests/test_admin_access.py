"""Django's admin opens to the Administrator role — superusers and members of the Administrator
group without the staff flag — and to no other role. Only a superuser makes superusers."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import AuditEntry
from accounts.roles import Role
from accounts.testing import make_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def group_administrator():
    """In the Administrator group, neither staff nor superuser."""
    return make_user("akmal", Role.ADMINISTRATOR)


def test_an_administrator_without_the_staff_flag_opens_the_pages_the_readme_names(
    group_administrator, pbx
):
    client = signed_in(group_administrator)
    operator = make_user("olga", Role.OPERATOR, extensions="101", pbx=pbx)
    for url in (
        "/admin/",
        "/admin/auth/user/",
        f"/admin/auth/user/{operator.pk}/change/",
        "/admin/accounts/auditentry/",
        "/admin/auth/group/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert 'href="/admin/"' in client.get("/").content.decode()  # the menu links to it


def user_form(username: str, **fields) -> dict:
    return {
        "username": username,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "operator_profiles-TOTAL_FORMS": "0",
        "operator_profiles-INITIAL_FORMS": "0",
        **fields,
    }


def test_an_administrator_gives_an_operator_extensions_in_the_admin(group_administrator, pbx):
    operator = make_user("olga", Role.OPERATOR)
    client = signed_in(group_administrator)
    page = client.get(f"/admin/auth/user/{operator.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    response = client.post(
        f"/admin/auth/user/{operator.pk}/change/",
        user_form(
            "olga",
            **{
                "operator_profiles-TOTAL_FORMS": "1",
                "operator_profiles-0-pbx": str(pbx.pk),
                "operator_profiles-0-extensions": "101, 102",
            },
        ),
    )
    assert response.status_code == 302
    assert operator.operator_profiles.get(pbx=pbx).extension_list == ["101", "102"]


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR, None])
def test_other_roles_do_not_open_the_admin_even_as_staff(role):
    user = make_user("someone", role, is_staff=True)
    response = signed_in(user).get("/admin/auth/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_administrator_cannot_make_anyone_a_superuser(group_administrator):
    target = make_user("sardor", Role.SUPERVISOR)
    client = signed_in(group_administrator)
    response = client.post(
        f"/admin/auth/user/{target.pk}/change/", user_form("sardor", is_superuser="on")
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_superuser


def test_an_administrator_cannot_change_or_delete_a_superuser(group_administrator):
    boss = get_user_model().objects.create_superuser("boss", password="Boss-pass-123")
    client = signed_in(group_administrator)
    change = client.post(f"/admin/auth/user/{boss.pk}/change/", user_form("boss", is_active=""))
    assert change.status_code == 403
    assert client.post(f"/admin/auth/user/{boss.pk}/delete/", {"post": "yes"}).status_code == 403
    assert get_user_model().objects.filter(pk=boss.pk, is_superuser=True, is_active=True).exists()


def test_what_an_administrator_changes_in_the_admin_is_audited(group_administrator):
    target = make_user("sardor", None)
    client = signed_in(group_administrator)
    client.post(f"/admin/auth/user/{target.pk}/change/", user_form("sardor", first_name="Sardor"))
    entry = AuditEntry.objects.filter(object_id=str(target.pk), action="update").last()
    assert entry.user == group_administrator
    assert entry.changes["first_name"] == ["", "Sardor"]
