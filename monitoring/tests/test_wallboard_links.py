"""Wallboard links: an administrator makes one, it shows the wallboard alone without signing in,
read-only; revoked, it is refused; only its hash is stored; making and revoking are audited."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry
from monitoring.analytics.links import create_link
from monitoring.analytics.models import WallboardLink, hash_token

SETTINGS = reverse("wallboard_settings")


def link_url(token: str) -> str:
    return reverse("wallboard_link", kwargs={"token": token})


def made_url(html: str) -> str:
    match = re.search(r'class="vLargeTextField new-link-url" value="([^"]+)"', html)
    assert match, "the new link is not shown"
    return unescape(match.group(1))


def test_an_administrator_makes_a_link_shown_once_and_stored_as_a_hash(administrator_client, db):
    response = administrator_client.post(SETTINGS, {"create": "1", "name": "Hall TV"})

    url = made_url(response.content.decode())
    token = url.rstrip("/").rsplit("/", 1)[1]
    link = WallboardLink.objects.get()
    assert link.name == "Hall TV"
    assert len(token) >= 40
    assert link.token_hash == hash_token(token)
    assert token not in str(WallboardLink.objects.values().get())
    assert response["Cache-Control"].startswith("max-age=0")
    # Shown once: the page opened again does not have it.
    assert token not in administrator_client.get(SETTINGS).content.decode()


def test_making_and_revoking_are_audited_without_the_token(administrator_client, db):
    response = administrator_client.post(SETTINGS, {"create": "1", "name": "Hall TV"})
    token = made_url(response.content.decode()).rstrip("/").rsplit("/", 1)[1]
    link = WallboardLink.objects.get()

    administrator_client.post(reverse("wallboard_link_revoke", args=[link.pk]))

    entries = AuditEntry.objects.filter(object_type="monitoring.WallboardLink").order_by("id")
    assert [(e.action, e.username) for e in entries] == [
        (AuditEntry.Action.CREATE, "aziza"),
        (AuditEntry.Action.UPDATE, "aziza"),
    ]
    assert entries[0].changes["name"] == [None, "Hall TV"]
    assert "token_hash" not in entries[0].changes
    assert list(entries[1].changes) == ["revoked_at"]
    assert all(token not in str(e.changes) and link.token_hash not in str(e.changes)
               for e in entries)  # fmt: skip


def test_the_link_shows_the_wallboard_without_signing_in(db, pbx):
    _link, token = create_link("Hall TV")
    tv = Client()

    response = tv.get(link_url(token))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="wallboard-figures"' in html
    assert f'hx-get="{link_url(token)}"' in html
    # Nothing to follow from it: no menu, no links.
    assert "<a " not in html
    assert WallboardLink.objects.get().last_used_at is not None
    refresh = tv.get(link_url(token), headers={"HX-Request": "true"}).content.decode()
    assert refresh.lstrip().startswith('<div id="wallboard-figures"')


def test_no_other_page_opens_with_the_link(db, pbx):
    _link, token = create_link("Hall TV")
    tv = Client()
    tv.get(link_url(token))

    for name in ("wallboard", "dashboard", "call_list", "live_calls", "wallboard_settings"):
        response = tv.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
    assert tv.get(reverse("dashboard") + f"?token={token}").status_code == 302
    assert "_auth_user_id" not in tv.session


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_link_is_read_only(db, method):
    _link, token = create_link("Hall TV")

    response = getattr(Client(), method)(link_url(token))

    assert response.status_code == 405


def test_a_revoked_link_is_refused(db):
    link, token = create_link("Hall TV")
    assert Client().get(link_url(token)).status_code == 200

    link.revoke()

    assert Client().get(link_url(token)).status_code == 404


def test_an_unknown_or_altered_token_is_refused(db):
    _link, token = create_link("Hall TV")

    assert (
        Client().get(link_url(token[:-1] + ("A" if token[-1] != "A" else "B"))).status_code == 404
    )
    assert Client().get(link_url("x" * 500)).status_code == 404


def test_supervisors_may_neither_make_nor_revoke_links(supervisor_client, db):
    link, _token = create_link("Hall TV")

    assert supervisor_client.post(SETTINGS, {"create": "1", "name": "Mine"}).status_code == 403
    assert (
        supervisor_client.post(reverse("wallboard_link_revoke", args=[link.pk])).status_code == 403
    )
    assert WallboardLink.objects.get().is_active
    assert WallboardLink.objects.count() == 1
