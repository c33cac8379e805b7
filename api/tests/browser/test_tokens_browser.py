"""Settings → API tokens in a real browser, on a laptop (1366x768) and a phone (390 px): an
administrator makes a token for an operator, copies it once, a program reads the operator's calls
with it, and a revocation stops it."""

import os

import pytest
from django.urls import reverse

from api.models import ApiToken
from browser_fixtures import screenshot, signed_in_cookie
from callcenter.tests.browser.accessibility import axe_violations
from monitoring.tests.factories import make_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tab(browser, live_server, administrator_user):
    """tab(width, height): an Uzbek tab of the administrator on the tokens page."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    contexts = []

    def open_tab(width, height):
        context = browser.new_context(locale="uz-UZ", viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        context.add_cookies([signed_in_cookie(administrator_user, live_server.url)])
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + reverse("api_tokens"))
        return page

    yield open_tab
    for context in contexts:
        context.close()


def read_calls(page, token: str) -> dict:
    """What a program gets from /api/calls/ with `token`: the status and the call ids."""
    return page.evaluate(
        """async token => {
            const headers = {Authorization: 'Bearer ' + token};
            const response = await fetch('/api/calls/', {headers});
            const body = await response.json();
            return {status: response.status, ids: (body.results || []).map(call => call.id),
                    code: body.error ? body.error.code : null};
        }""",
        token,
    )


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_a_token_is_made_shown_once_used_and_revoked(tab, width, height, pbx, operator_user):
    from django.utils import timezone

    own = make_call(pbx, timezone.now(), extension="101")
    make_call(pbx, timezone.now(), extension="103", to_number="103")  # not the operator's
    page = tab(width, height)
    assert page.locator("h1, #content h1").first.is_visible()
    page.fill("#id_name", "CRM")
    page.select_option("#id_user", label=operator_user.username)
    page.click("input[name=create]")
    page.wait_for_load_state()

    shown = page.locator(".new-token-value")
    token = shown.input_value()
    assert token.startswith("kcm_") and len(token) > 40
    assert shown.is_visible()
    row = ApiToken.objects.get()
    assert page.locator(f'tr[data-token="{row.pk}"]').inner_text().count(row.prefix) == 1
    # No sideways scrolling, the new token's box within the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = shown.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert axe_violations(page) == []
    screenshot(page, f"api-tokens-{width}")

    assert read_calls(page, token) == {"status": 200, "ids": [own.pk], "code": None}

    page.reload()
    assert token not in page.content()
    page.locator(f'tr[data-token="{row.pk}"] button[name=revoke]').click()
    page.wait_for_load_state()
    assert "bekor qilingan" in page.locator(f'tr[data-token="{row.pk}"]').inner_text().lower()
    assert read_calls(page, token) == {"status": 401, "ids": [], "code": "revoked_token"}
    assert page.evaluate("document.documentElement.scrollWidth") <= width
