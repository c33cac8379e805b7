"""Why a sync or a connection check (Tekshirish) failed is kept as what happened and shown in
each reader's language: a Russian or English reader does not get the Uzbek the worker ran in.
The refused password also pauses logins, and the health page says so in the reader's language."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils.translation import override

from monitoring.sync import SyncFailed, sync_pbx
from monitoring.tests.factories import connect

pytestmark = pytest.mark.default_language

PBX_WORDS = "User name or password is incorrect."  # the simulator's own answer, kept verbatim
RUSSIAN_LOGIN_FAILED = "Не удалось войти"  # noqa: RUF001


@pytest.fixture
def failed(kerio_simulator, admin_client):
    """A PBX whose sync failed in an Uzbek worker and whose check an Uzbek reader pressed."""
    pbx = connect(kerio_simulator, "Filial")
    pbx.password = "wrong-password"
    pbx.save()
    with override("uz"), pytest.raises(SyncFailed):
        sync_pbx(pbx)
    admin_client.post(reverse("pbx_check", args=[pbx.pk]), HTTP_HX_REQUEST="true")
    return pbx


def read_in(client, language: str, url: str) -> str:
    client.post(reverse("set_language"), {"language": language, "next": url})
    return unescape(client.get(url).content.decode())


def test_the_reasons_are_uzbek_for_the_uzbek_reader(failed, admin_client):
    html = read_in(admin_client, "uz", reverse("health"))
    assert "Oxirgi sinxronlash muvaffaqiyatsiz tugadi: Kirish muvaffaqiyatsiz" in html
    assert "kirishlar to'xtatildi" in html
    assert PBX_WORDS in html


def test_after_switching_to_russian_both_reasons_are_russian(failed, admin_client):
    html = read_in(admin_client, "ru", reverse("health"))
    assert f"Последняя синхронизация завершилась ошибкой: {RUSSIAN_LOGIN_FAILED}" in html
    assert "входы приостановлены" in html
    assert PBX_WORDS in html
    assert "Kirish muvaffaqiyatsiz" not in html


def test_after_switching_to_english_both_reasons_are_english(failed, admin_client):
    html = read_in(admin_client, "en", reverse("health"))
    assert "The last sync failed: Login failed: wrong user name or password" in html
    assert "logins are paused" in html
    assert PBX_WORDS in html
    assert "Kirish muvaffaqiyatsiz" not in html


@pytest.mark.parametrize(
    ("language", "words"), [("ru", RUSSIAN_LOGIN_FAILED), ("en", "Login failed")]
)
def test_the_sync_runs_and_the_connections_list_follow_the_reader(
    failed, admin_client, language, words
):
    runs = read_in(admin_client, language, reverse("sync_run_list", args=[failed.pk]))
    assert runs.count(words) >= 2  # the last error and the failed run's row
    connections = read_in(admin_client, language, reverse("pbx_list"))
    assert words in connections
    assert "Kirish muvaffaqiyatsiz" not in runs + connections
