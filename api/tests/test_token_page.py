"""Settings → API tokens: administrators alone make and revoke tokens; a new token is shown in
the answer that made it and never again; the admin lists tokens read-only; all of it audited."""

import pytest

from accounts.models import AuditEntry
from accounts.roles import Role
from accounts.testing import make_user
from api.models import ApiToken, hash_token

pytestmark = pytest.mark.django_db

PAGE = "/settings/api-tokens/"


def test_only_administrators_open_the_page(role_client):
    assert role_client("anonymous").get(PAGE).status_code == 302
    assert role_client("operator").get(PAGE).status_code == 403
    assert role_client("supervisor").get(PAGE).status_code == 403
    assert role_client("administrator").get(PAGE).status_code == 200


def test_the_settings_page_links_to_it(administrator_client):
    assert f'href="{PAGE}"' in administrator_client.get("/settings/").content.decode()


def test_others_cannot_make_or_revoke_a_token(role_client, operator_user):
    row, _secret = ApiToken.create("CRM", operator_user)
    for role in ("operator", "supervisor"):
        client = role_client(role)
        assert client.post(PAGE, {"name": "Mine", "user": operator_user.pk}).status_code == 403
        assert client.post(PAGE, {"revoke": row.pk}).status_code == 403
    assert ApiToken.objects.count() == 1
    assert ApiToken.objects.get().is_active


def test_a_new_token_is_shown_once_and_works(administrator_client, administrator_user,
                                             operator_user, api):  # fmt: skip
    response = administrator_client.post(PAGE, {"name": "CRM", "user": operator_user.pk})
    assert response.status_code == 200
    secret = response.context["new_token"]
    page = response.content.decode()
    assert secret in page
    row = ApiToken.objects.get()
    assert (row.name, row.user, row.created_by) == ("CRM", operator_user, administrator_user)
    assert row.token_hash == hash_token(secret)
    assert response["Cache-Control"].startswith("max-age=0")
    # Never again: the list shows the prefix only, and the hash nowhere.
    again = administrator_client.get(PAGE).content.decode()
    assert secret not in again
    assert row.prefix in again
    assert row.token_hash not in again and row.token_hash not in page
    assert api("/api/calls/", secret).status_code == 200


def test_a_revoked_token_stops_working(administrator_client, operator_user, api):
    row, secret = ApiToken.create("CRM", operator_user)
    assert api("/api/calls/", secret).status_code == 200
    response = administrator_client.post(PAGE, {"revoke": row.pk})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert api("/api/calls/", secret).status_code == 401
    assert "Revoked" in administrator_client.get(PAGE).content.decode()


def test_a_form_with_errors_makes_no_token(administrator_client):
    response = administrator_client.post(PAGE, {"name": "", "user": ""})
    assert response.status_code == 200
    assert response.context["new_token"] == ""
    assert "errorlist" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_making_and_revoking_are_audited_without_the_secret(
    administrator_client, administrator_user, operator_user
):
    response = administrator_client.post(PAGE, {"name": "CRM", "user": operator_user.pk})
    secret = response.context["new_token"]
    row = ApiToken.objects.get()
    administrator_client.post(PAGE, {"revoke": row.pk})
    entries = AuditEntry.objects.filter(object_type="api.ApiToken").order_by("id")
    assert [(e.action, e.username) for e in entries] == [
        ("create", administrator_user.username),
        ("update", administrator_user.username),
    ]
    assert entries[0].changes["user_id"] == [None, operator_user.pk]
    assert entries[0].changes["prefix"] == [None, row.prefix]
    assert "revoked_at" in entries[1].changes
    for entry in entries:
        assert secret not in repr(entry.changes) and row.token_hash not in repr(entry.changes)


def test_the_admin_lists_tokens_read_only(operator_user):
    from django.test import Client

    administrator = make_user("akmal", Role.ADMINISTRATOR)  # the group's permissions, no staff flag
    client = Client()
    client.force_login(administrator)
    row, secret = ApiToken.create("CRM", operator_user)
    listing = client.get("/admin/api/apitoken/")
    assert listing.status_code == 200
    content = listing.content.decode()
    assert "CRM" in content and row.prefix in content
    assert secret not in content and row.token_hash not in content
    assert client.get("/admin/api/apitoken/add/").status_code == 403
    detail = client.get(f"/admin/api/apitoken/{row.pk}/change/")
    assert detail.status_code == 200  # shown, not editable
    assert row.token_hash not in detail.content.decode()
    assert client.post(f"/admin/api/apitoken/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ApiToken.objects.filter(pk=row.pk).exists()
