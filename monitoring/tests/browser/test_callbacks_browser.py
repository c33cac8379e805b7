"""The callbacks page in a real browser: an operator claims a callback and closes it "reached",
and the supervisor's page, left open, shows it without a reload."""

import os
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from browser_fixtures import signed_in_cookie
from monitoring.callbacks import derive
from monitoring.models import Callback
from monitoring.tests.callback_data import missed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tab(browser, live_server):
    """tab(user): a new Uzbek browser tab signed in as `user`, on the callbacks page."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    contexts = []

    def open_tab(user):
        context = browser.new_context(locale="uz-UZ", viewport={"width": 1366, "height": 768})
        context.set_default_timeout(10_000)
        context.add_cookies([signed_in_cookie(user, live_server.url)])
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + reverse("callback_list"))
        return page

    yield open_tab
    for context in contexts:
        context.close()


def open_count(page) -> str:
    return page.locator('[data-kpi="callbacks_open"] .kpi-value').inner_text().strip()


def test_an_operators_reached_callback_leaves_the_supervisors_queue_without_a_reload(
    tab, pbx, operator_user, supervisor_user, settings
):
    settings.CALLBACKS_REFRESH_SECONDS = 1
    missed(pbx, timezone.now() - timedelta(minutes=3), "+998 90 123 45 67", name="Aziz")
    derive.rebuild()
    supervisor = tab(supervisor_user)
    assert open_count(supervisor) == "1"
    supervisor.evaluate("window.notReloaded = true")

    operator = tab(operator_user)
    row = operator.locator('tr[data-number="901234567"]')
    assert "Aziz" in row.inner_text()
    row.locator("button[name=claim]").click()
    operator.wait_for_load_state()
    assert "olga" in operator.locator('tr[data-number="901234567"] .owner').inner_text()
    # The supervisor sees who has it, without reloading.
    supervisor.locator('tr[data-number="901234567"] .owner:has-text("olga")').wait_for()

    operator.locator('tr[data-number="901234567"] button[value="reached"]').click()
    operator.wait_for_load_state()
    assert operator.locator('tr[data-number="901234567"]').count() == 0
    assert Callback.objects.get().resolution == "reached"

    supervisor.locator('[data-kpi="callbacks_open"] .kpi-value:text-is("0")').wait_for()
    assert supervisor.locator('tr[data-number="901234567"]').count() == 0
    assert supervisor.evaluate("window.notReloaded") is True


def test_the_callbacks_page_fits_a_phone(tab, pbx, supervisor_user):
    missed(pbx, timezone.now() - timedelta(minutes=3), "901234567")
    derive.rebuild()
    page = tab(supervisor_user)
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
