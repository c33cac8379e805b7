"""Browser test fixtures: Playwright (sync API) driving Debian's chromium against live_server.

Registered as a pytest plugin from the root conftest. Tests that use them carry
`@pytest.mark.browser` (skipped where chromium is missing).

    def test_it_works(logged_in_page, live_server):
        logged_in_page.goto(live_server.url + "/")
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.testing import ADMIN_PASSWORD, ADMIN_USERNAME

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """One chromium for the session."""
    # Playwright's sync API runs an event loop in the test's thread; the test still talks to the
    # database synchronously, which Django otherwise refuses there.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) asking for Uzbek, like our users' browsers."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    context = browser.new_context(locale="uz-UZ", viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def log_in(page, live_server):
    """log_in(username, password): submit the login form; the page is wherever it lands."""

    def log_in(username: str, password: str) -> None:
        page.goto(live_server.url + reverse("login"))
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("#login-form [type=submit]")
        page.wait_for_load_state()

    return log_in


@pytest.fixture
def logged_in_page(page, log_in, admin_user):
    """A page signed in as the administrator, on the dashboard."""
    log_in(ADMIN_USERNAME, ADMIN_PASSWORD)
    return page


def signed_in_cookie(user, url: str) -> dict:
    """The session cookie of `user`, signed in without going through the login form."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": url}


@pytest.fixture
def admin_page_en(browser, live_server, admin_user):
    """A signed-in administrator's tab in English that accepts downloads."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    context = browser.new_context(
        accept_downloads=True, locale="en-US", viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(10_000)
    context.add_cookies([signed_in_cookie(admin_user, live_server.url)])
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(tab, name: str) -> None:
    """With SCREENSHOT_DIR set, keep a picture of the page for review."""
    directory = os.environ.get("SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)
