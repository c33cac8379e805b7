"""Refused, missing and failed pages are styled pages in the reader's language; a refused page
is one log line, not tracebacks that look like a crash."""

import logging
from html import unescape

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

pytestmark = [pytest.mark.django_db, pytest.mark.default_language]


def _reading(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("uz", "Ushbu sahifani ochishga rolingiz ruxsat bermaydi"),
        ("ru", "Ваша роль не позволяет открыть эту страницу"),
        ("en", "Your role does not allow you to open this page"),
    ],
)
def test_an_operator_opening_settings_reads_why_in_their_language(operator_client, language, words):
    response = _reading(operator_client, language).get(reverse("settings"))
    assert response.status_code == 403
    html = unescape(response.content.decode())
    assert f'lang="{language}"' in html
    assert words in html
    assert 'class="app-nav"' in html  # the product's layout, with the way back
    assert "403 Forbidden" not in html


def test_a_refused_page_is_one_log_line_without_a_traceback(operator_client, caplog):
    with caplog.at_level(logging.INFO):
        operator_client.get(reverse("settings"))
    lines = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(lines) == 1
    assert lines[0].exc_info is None
    assert lines[0].getMessage() == (
        "Refused GET /settings/ to olga: role operator, the page needs administrator"
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [("uz", "Sahifa topilmadi"), ("ru", "Страница не найдена"), ("en", "Page not found")],
)
def test_a_missing_page_is_styled_and_translated(supervisor_client, settings, language, words):
    settings.DEBUG = False
    response = _reading(supervisor_client, language).get("/no-such-page/")
    assert response.status_code == 404
    html = unescape(response.content.decode())
    assert words in html and 'class="app-nav"' in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("uz", "Nimadir noto'g'ri ketdi"),
        ("ru", "Что-то пошло не так"),
        ("en", "Something went wrong"),
    ],
)
def test_a_server_error_page_is_styled_and_translated(rf, language, words):
    with translation.override(language):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    html = unescape(response.content.decode())
    assert words in html
    assert "css/app.css" in html
