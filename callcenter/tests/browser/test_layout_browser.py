"""The pages on a 1366x768 laptop and a 390 px phone: nothing scrolls sideways, the dashboard's
first laptop screen holds the live calls and the day's key figures together, a phone shows the
tiles two or three to a row, and the calls table keeps time, number and status in view."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from callcenter.tests.browser.conftest import LAPTOP, PHONE, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "dashboard": lambda world: reverse("dashboard"),
    "calls": lambda world: reverse("call_list") + "?period=week",
    "call detail": lambda world: reverse("call_detail", args=[world["call"]]),
    "settings": lambda world: reverse("settings"),
    "kerio connections": lambda world: reverse("pbx_list"),
    "sync runs": lambda world: reverse("sync_run_list", args=[world["pbx"].pk]),
    "users": lambda world: reverse("user_list"),
    "health": lambda world: reverse("health"),
}


def _keep_picture(page, name: str) -> None:
    """With SCREENSHOT_DIR set, keep a picture of the first screen for a person to look at."""
    directory = os.environ.get("SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"))


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366x768", "390x844"])
def test_no_page_scrolls_sideways(tab, live_server, world, viewport):
    page = tab("administrator", viewport)
    wide = {}
    for name, url in PAGES.items():
        page.goto(live_server.url + url(world))
        _keep_picture(page, f"{name.replace(' ', '-')}-{viewport['width']}")
        overflow = horizontal_overflow(page)
        if overflow > 0:
            wide[name] = overflow
    assert wide == {}, f"pixels wider than {viewport['width']}: {wide}"


@pytest.mark.parametrize("role", ["operator", "supervisor", "administrator"])
def test_the_laptops_first_screen_holds_the_live_calls_and_the_key_figures(tab, live_server, role):
    page = tab(role, LAPTOP)
    page.goto(live_server.url + reverse("dashboard"))
    height = LAPTOP["height"]
    live = page.locator("#live-calls").bounding_box()
    assert live["y"] < height - 120, f"the live panel starts at {live['y']}"
    first_row = page.locator("#live-calls tbody tr").first.bounding_box()
    assert first_row["y"] + first_row["height"] <= height, "the first live call is below the fold"
    assert _fits(page, "#live-calls table", "#live-calls"), "the live table is wider than its panel"
    for key in ("total", "inbound_answered", "inbound_missed", "service_level"):
        box = page.locator(f'[data-kpi="{key}"]').bounding_box()
        assert box["y"] + box["height"] <= height, f"the {key} tile is below the fold"


def _fits(page, inner: str, outer: str) -> bool:
    inside = page.locator(inner).first.bounding_box()
    box = page.locator(outer).first.bounding_box()
    return (
        inside["x"] >= box["x"] - 1 and inside["x"] + inside["width"] <= box["x"] + box["width"] + 1
    )


def test_a_phone_shows_the_live_calls_whole(tab, live_server):
    page = tab("operator", PHONE)
    page.goto(live_server.url + reverse("dashboard"))
    assert _fits(page, "#live-calls table", "#live-calls")
    duration = page.locator("#live-calls tbody td.num").first.bounding_box()
    assert duration["x"] + duration["width"] <= PHONE["width"]


def test_a_phone_shows_the_tiles_two_or_three_to_a_row(tab, live_server):
    page = tab("supervisor", PHONE)
    page.goto(live_server.url + reverse("dashboard"))
    tops = page.locator(".kpi-tile").evaluate_all(
        "tiles => tiles.map(t => Math.round(t.getBoundingClientRect().top))"
    )
    per_row = [tops.count(top) for top in sorted(set(tops))]
    assert all(2 <= count <= 3 for count in per_row[:-1]), per_row
    assert 1 <= per_row[-1] <= 3, per_row


def test_a_phone_keeps_time_number_and_status_of_each_call_in_view(tab, live_server):
    page = tab("supervisor", PHONE)
    page.goto(live_server.url + reverse("call_list") + "?period=week")
    row = page.locator("#calls-table tbody tr").first
    for cell in ("td.time", "td.from-party", "td.status"):
        box = row.locator(cell).first.bounding_box()
        assert box is not None and box["x"] >= 0, cell
        assert box["x"] + box["width"] <= PHONE["width"], f"{cell} is cut off"


def test_a_long_sync_error_wraps_instead_of_widening_the_page(tab, live_server, world):
    page = tab("administrator", LAPTOP)
    page.goto(live_server.url + reverse("sync_run_list", args=[world["pbx"].pk]))
    assert "api-reader-with-a-very-long-name" in page.content()
    assert horizontal_overflow(page) <= 0
