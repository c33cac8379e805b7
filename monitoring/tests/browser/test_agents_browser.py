"""The agents' pages in a real browser: one agent's page (tiles, the hourly chart, the days) and the
table of every agent, at a laptop's width and a phone's, without the page scrolling sideways."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from callcenter.tests.browser.accessibility import axe_violations
from monitoring.tests.factories import TASHKENT, described_call
from providers.models import DirectoryEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = [(1366, 768), (390, 844)]


@pytest.fixture
def agent(pbx):
    """Extension 101, named at length in the directory, with calls this month at 09:00 and 14:00
    today (Tashkent); 102 with a call too."""
    today = timezone.localtime(timezone.now(), TASHKENT).date()
    nine = datetime.combine(today, datetime.min.time(), tzinfo=TASHKENT) + timedelta(hours=9)
    for minute in range(5):
        described_call(pbx, nine + timedelta(minutes=minute), "inbound", "answered", 40, 30,
                       f"90123456{minute}", "101")  # fmt: skip
    described_call(
        pbx, nine + timedelta(hours=5), "inbound", "no_answer", 20, 0, "901111111", "101"
    )
    described_call(
        pbx, nine + timedelta(hours=5), "outbound", "answered", 70, 60, "902222222", "101"
    )
    described_call(pbx, nine, "inbound", "answered", 30, 20, "903333333", "102")
    DirectoryEntry.objects.create(
        pbx=pbx, number="101", name="Dilnoza Karimova — ulgurji savdo bo'limi", kind=1,
        seen_at=timezone.now(),
    )  # fmt: skip
    return pbx


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_an_agents_page_fits_a_laptop_and_a_phone(
    logged_in_page, live_server, agent, width, height
):
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": height})

    page.goto(live_server.url + reverse("agent_detail", args=[agent.pk, "101"]) + "?period=month")

    assert "Dilnoza Karimova" in page.locator("h1").inner_text()
    assert page.locator('[data-kpi="answered"] .kpi-value').inner_text() == "5"
    assert page.locator('[data-kpi="rang_unanswered"] .kpi-value').inner_text() == "1"
    chart = page.locator("svg.activity-chart")
    assert chart.is_visible()
    # 24 hours, three bars each; 09:00 carries the five answered calls.
    assert chart.locator("rect.bar").count() == 72
    nine = chart.locator("rect.bar-inbound_answered").nth(9)
    assert nine.get_attribute("data-value") == "5"
    assert float(nine.get_attribute("height")) > 0
    assert page.locator("table.agent-days tbody tr").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_agents_table_fits_a_laptop_and_a_phone(
    logged_in_page, live_server, agent, width, height
):
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": height})

    page.goto(live_server.url + reverse("agent_list") + "?period=month&sort=extension")

    rows = page.locator("table.agents-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-extension") == "101"
    assert page.locator("a[href*='export.csv']").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The extension opens the agent's page.
    rows.nth(0).locator("th a").click()
    page.wait_for_load_state()
    assert page.locator('[data-kpi="answered"] .kpi-value').inner_text() == "5"


def test_the_agents_pages_pass_axe(logged_in_page, live_server, agent):
    page = logged_in_page
    found = {}
    for url in [
        reverse("agent_list") + "?period=month",
        reverse("agent_detail", args=[agent.pk, "101"]) + "?period=month",
    ]:
        page.goto(live_server.url + url)
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    assert found == {}
