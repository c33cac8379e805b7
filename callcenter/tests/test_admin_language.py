"""Django admin speaks Uzbek throughout: every model and field name, every column, label, help
text and button of every admin page, compared with the English source catalogues."""

import ast
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import axes
import django
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import override
from django.utils.translation.trans_real import translation

from accounts.models import AuditEntry, OperatorProfile
from api.models import ApiToken
from monitoring.models import (
    CalendarDay,
    Call,
    Heartbeat,
    LiveSnapshot,
    RejectedRecord,
    SyncRun,
    SyncState,
    WorkingHours,
)
from providers.models import PbxConnection, SipTrunk

pytestmark = [pytest.mark.default_language, pytest.mark.django_db]

DJANGO = Path(django.__file__).parent
SOURCE_CATALOGUES = [
    DJANGO / "conf/locale/en/LC_MESSAGES/django.po",
    DJANGO / "contrib/admin/locale/en/LC_MESSAGES/django.po",
    DJANGO / "contrib/auth/locale/en/LC_MESSAGES/django.po",
    DJANGO / "contrib/contenttypes/locale/en/LC_MESSAGES/django.po",
    Path(axes.__file__).parent / "locale/ru/LC_MESSAGES/django.po",
    Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po",
]
# Words the admin shows that Uzbek writes the same way.
SAME_IN_UZBEK = {
    "ID",
    "PBX",
    "Port",
    "port",
    "Login",
    "login",
    "Transport",
    "transport",
    "SIP server",
}
# What Django's own Uzbek catalogue gets wrong and the product's catalogue corrects.
BROKEN_UZBEK = ("Qo'shish foydalanuvchi", " larni o'chirish", "kiriting..", "Ruhsatnomalar")
# Django names permissions once, in English ("Can add call"); the admin words them instead.
STORED_ENGLISH = re.compile(r"\| Can (add|change|delete|view) ")


def source_msgids(path: Path) -> set[str]:
    """Every msgid (singular and plural) of a .po file."""
    msgids, current, key = set(), "", None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(msgid|msgid_plural|msgstr\S*) (\".*\")$", line)
        if match:
            if key in ("msgid", "msgid_plural") and current:
                msgids.add(current)
            key, current = match.group(1), ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            current += ast.literal_eval(line)
    return msgids


def untranslated_english() -> set[str]:
    """The source strings the Uzbek catalogues (Django's merged with the product's) lack."""
    catalog = translation("uz")._catalog
    missing = set()
    for path in SOURCE_CATALOGUES:
        for msgid in source_msgids(path):
            if msgid in catalog or (msgid, 0) in catalog or msgid in SAME_IN_UZBEK:
                continue
            missing.update({msgid, capfirst(msgid), msgid.rstrip(".:")})
    return missing


class VisibleText(HTMLParser):
    """Text nodes outside scripts and styles, plus button values, titles and placeholders."""

    def __init__(self):
        super().__init__()
        self.texts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.texts.append(attrs.get("value") or "")
        for name in ("title", "placeholder", "aria-label"):
            if attrs.get(name):
                self.texts.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)


def visible_texts(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    texts = set()
    for text in parser.texts:
        text = " ".join(text.split())
        if text:
            texts.update({text, text.rstrip(":").strip(), text.strip("()").strip()})
    return texts


AXES_ROW = {"user_agent": "Firefox", "ip_address": "10.0.0.1", "username": "olga", "path_info": "/"}


@pytest.fixture
def objects(admin_user):
    """One row of every model the admin shows, so each change page can be opened."""
    now = timezone.now()
    pbx = PbxConnection.objects.create(
        name="Filial", host="pbx.example.uz", username="u", password="p"
    )
    run = SyncRun.objects.create(pbx=pbx, outcome=SyncRun.Outcome.FAILED, finished_at=now)
    RejectedRecord.objects.create(run=run, raw={"X": 1}, reason="TIMESTAMP")
    LiveSnapshot.objects.create(pbx=pbx, taken_at=now)
    OperatorProfile.objects.create(user=admin_user, pbx=pbx, extensions="101")
    return {
        Call: Call.objects.create(pbx=pbx, key="k1", started_at=now, raw={}),
        SyncRun: run,
        SyncState: SyncState.objects.get(pbx=pbx),
        LiveSnapshot: pbx.live,
        Heartbeat: Heartbeat.objects.create(name="worker", seen_at=now),
        WorkingHours: WorkingHours.objects.get_or_create(weekday=0)[0],
        CalendarDay: CalendarDay.objects.create(date=dt.date(2026, 9, 1), name="Mustaqillik kuni"),
        PbxConnection: pbx,
        SipTrunk: SipTrunk.objects.create(name="Bell", server="bell.uz", login="l", password="p"),
        AuditEntry: AuditEntry.objects.create(
            username="boss", action=AuditEntry.Action.CREATE, object_type="x", object_repr="y"
        ),
        Group: Group.objects.create(name="Nazoratchilar"),
        type(admin_user): admin_user,
        AccessAttempt: AccessAttempt.objects.create(
            **AXES_ROW, get_data="", post_data="", failures_since_start=1
        ),
        AccessLog: AccessLog.objects.create(**AXES_ROW),
        AccessFailureLog: AccessFailureLog.objects.create(**AXES_ROW, locked_out=False),
        ApiToken: ApiToken.create("CRM", admin_user)[0],
    }


def admin_pages(objects):
    """Every page of every registered model the admin offers: list, add, change, history, delete."""
    user = objects[get_user_model()]
    request = RequestFactory().get("/")
    request.user = user
    yield reverse("admin:index")
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        name = f"admin:{meta.app_label}_{meta.model_name}"
        pk = objects[model].pk
        yield reverse("admin:app_list", args=[meta.app_label])
        yield reverse(f"{name}_changelist")
        if model_admin.has_add_permission(request):
            yield reverse(f"{name}_add")
        yield reverse(f"{name}_change", args=[pk])
        yield reverse(f"{name}_history", args=[pk])
        if model_admin.has_delete_permission(request, objects[model]):
            yield reverse(f"{name}_delete", args=[pk])
    yield reverse("admin:auth_user_password_change", args=[user.pk])


@pytest.mark.parametrize("language", ["uz", "ru"])
def test_every_model_and_field_name_is_translated(language):
    catalog = translation(language)._catalog
    untranslated = []
    for model in admin.site._registry:
        meta = model._meta
        names = [meta.verbose_name, meta.verbose_name_plural, meta.app_config.verbose_name]
        for field in meta.get_fields():
            names += [getattr(field, "verbose_name", ""), getattr(field, "help_text", "")]
        for name in names:
            if not name or name in SAME_IN_UZBEK:
                continue
            # A plain string is never translated; a lazy one must be in the catalogue.
            if not isinstance(name, Promise) or name._args[0] not in catalog:
                untranslated.append(f"{meta.label}: {name!r}")
    assert untranslated == [], "\n".join(untranslated)


def test_every_admin_page_speaks_uzbek(admin_client, objects):
    english = untranslated_english()
    found = {}
    for url in admin_pages(objects):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'lang="uz"' in html
        leftovers = sorted(visible_texts(html) & english)
        leftovers += [broken for broken in BROKEN_UZBEK if broken in html]
        leftovers += STORED_ENGLISH.findall(html)
        if leftovers:
            found[url] = leftovers
    assert found == {}, "\n".join(f"{url}: {texts}" for url, texts in found.items())


def test_the_admin_is_headed_with_the_product_name(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "Django" not in html.split("<body", 1)[1].split('id="content"', 1)[0]
    with override("uz"):
        assert str(admin.site.site_header) in html
    assert "Call-markaz" in html
