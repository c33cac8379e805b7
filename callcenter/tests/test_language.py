"""Uzbek is the default language; the switcher turns pages into Russian and English."""

from datetime import date
from html import unescape

import pytest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import override

pytestmark = pytest.mark.default_language


@pytest.fixture
def signed_in(client, admin_user):
    client.force_login(admin_user)
    return client


def _switch(client, language):
    return client.post(
        reverse("set_language"), {"language": language, "next": reverse("dashboard")}, follow=True
    )


@pytest.mark.django_db
def test_it_speaks_uzbek_by_default(signed_in):
    html = unescape(signed_in.get(reverse("dashboard")).content.decode())
    assert 'lang="uz"' in html
    assert "Qo'ng'iroqlar" in html  # "Calls" in the menu


@pytest.mark.django_db
def test_it_switches_to_russian(signed_in):
    html = _switch(signed_in, "ru").content.decode()
    assert 'lang="ru"' in html
    assert "Звонки" in html


@pytest.mark.django_db
def test_it_switches_to_english(signed_in):
    html = _switch(signed_in, "en").content.decode()
    assert 'lang="en"' in html
    assert ">Calls<" in html


@pytest.mark.django_db
def test_it_switches_language_on_the_login_page(client):
    html = client.post(
        reverse("set_language"), {"language": "ru", "next": reverse("login")}, follow=True
    ).content.decode()
    assert "Войти" in html


def test_uzbek_month_names_are_written_in_lowercase():
    with override("uz"):
        assert date_format(date(2026, 12, 6), "DATE_FORMAT") == "6-dekabr, 2026-yil"
        assert date_format(date(2026, 3, 1), "YEAR_MONTH_FORMAT") == "mart 2026-yil"
        assert date_format(date(2026, 9, 1), "N") == "sen."
