"""The wallboard on a 1920x1080 TV, opened through its link: one screen without scrolling, and
the figures follow the PBX's live calls without a reload."""

import os

import pytest

from monitoring import live
from monitoring.analytics.links import create_link
from monitoring.periods import local_today
from monitoring.tests.dashboard_data import expected, make_day
from providers.testing import simulator_connection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tv(browser):
    """A full-HD browser tab with no account, like the TV's."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    context = browser.new_context(locale="uz-UZ", viewport={"width": 1920, "height": 1080})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def tile(page, key: str) -> str:
    return page.locator(f'[data-wb="{key}"] .wb-value').inner_text().strip()


def test_it_fits_a_full_hd_screen_and_follows_a_call_started_on_the_pbx(
    tv, live_server, make_kerio_simulator
):
    simulator = make_kerio_simulator(history_size=0)
    pbx = simulator_connection(simulator)
    make_day(pbx, local_today())
    live.poll_live_calls(pbx)
    _link, token = create_link("Hall TV")

    tv.goto(f"{live_server.url}/wallboard/tv/{token}/")

    sizes = tv.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
        " window.innerWidth, window.innerHeight]"
    )
    assert sizes == [1920, 1080, 1920, 1080]
    assert tile(tv, "answered") == str(expected()["inbound_answered"])
    assert (tile(tv, "in_progress"), tile(tv, "waiting")) == ("0", "0")
    # Every tile's figure is big: read from across the room.
    height = tv.locator('[data-wb="waiting"] .wb-value').bounding_box()["height"]
    assert height > 120
    tv.evaluate("window.notReloaded = true")

    simulator.start_call("+998901234567", "101")
    live.poll_live_calls(pbx)

    tv.wait_for_function(
        "() => document.querySelector('[data-wb=\"waiting\"] .wb-value').innerText.trim() === '1'"
    )
    assert tv.evaluate("window.notReloaded") is True
    assert tile(tv, "in_progress") == "0"


def test_it_stacks_on_a_phone_without_sideways_scrolling(browser, live_server, db):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    context = browser.new_context(locale="uz-UZ", viewport={"width": 390, "height": 844})
    phone = context.new_page()
    _link, token = create_link("Phone")
    try:
        phone.goto(f"{live_server.url}/wallboard/tv/{token}/")
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width == 390
        assert phone.locator('[data-wb="service_level"]').is_visible()
    finally:
        context.close()
