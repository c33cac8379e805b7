"""The analytics pages in a real browser: the heatmap renders its cells shaded, at a laptop's
width and a phone's without the page scrolling sideways."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from callcenter.tests.browser.accessibility import axe_violations
from monitoring.tests.factories import described_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TASHKENT = ZoneInfo("Asia/Tashkent")


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_the_heatmap_renders_shaded_cells_without_sideways_scrolling(
    logged_in_page, live_server, pbx, width, height
):
    today = timezone.localtime(timezone.now(), TASHKENT).date()
    nine = datetime.combine(today, datetime.min.time(), tzinfo=TASHKENT) + timedelta(hours=9)
    for minute in range(6):
        described_call(pbx, nine + timedelta(minutes=minute), "inbound", "answered", 30, 20, "901")
    described_call(pbx, nine + timedelta(hours=5), "inbound", "no_answer", 10, 0, "902")
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": height})

    page.goto(live_server.url + reverse("heatmap"))

    table = page.locator("table.heatmap")
    assert table.locator("tbody tr").count() == 7
    row = table.locator("tbody tr").nth(today.weekday())
    assert row.locator("td").nth(9).inner_text() == "6"
    assert "heat-5" in row.locator("td").nth(9).get_attribute("class")
    assert row.locator("td").nth(14).inner_text() == "1"
    colours = {
        row.locator("td").nth(hour).evaluate("cell => getComputedStyle(cell).backgroundColor")
        for hour in (9, 14)
    }
    assert len(colours) == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_who_is_calling_fits_a_laptop_and_a_phone(logged_in_page, live_server, pbx, width, height):
    now = timezone.now()
    for minutes, number in [(5, "901234567"), (4, "901234567"), (3, "712223344")]:
        described_call(pbx, now - timedelta(minutes=minutes), "inbound", "answered", 30, 20, number)
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": height})

    # Yesterday and today: the calls of a few minutes ago, even just after midnight.
    today = timezone.localtime(now, TASHKENT).date()
    query = f"?period=custom&start={today - timedelta(days=1)}&end={today}"
    page.goto(live_server.url + reverse("callers") + query)

    assert page.locator('[data-origin="beeline"] td').first.inner_text() == "2"
    assert page.locator('[data-number="901234567"]').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_queues_and_ivr_fit_a_laptop_and_a_phone(logged_in_page, live_server, pbx, width, height):
    from monitoring.tests.factories import make_pbx
    from providers.models import DirectoryEntry

    branch = make_pbx("Branch")
    for owner, number, kind in [(pbx, "800", 5), (pbx, "700", 6), (branch, "850", 5)]:
        DirectoryEntry.objects.create(
            pbx=owner, number=number, name="Qo'ng'iroqlar navbati — asosiy bo'lim (sotuv)",
            kind=kind, seen_at=timezone.now(),
        )  # fmt: skip
    now = timezone.now()
    for n, (status, total, talk) in enumerate(
        [("answered", 70, 60), ("no_answer", 5, 0), ("no_answer", 45, 0), ("no_answer", 400, 0)]
    ):
        described_call(pbx, now - timedelta(minutes=10 + n), "inbound", status, total, talk,
                       f"90123456{n}", "800")  # fmt: skip
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": height})

    today = timezone.localtime(now, TASHKENT).date()
    query = f"?period=custom&start={today - timedelta(days=1)}&end={today}"
    page.goto(live_server.url + reverse("queues") + query)

    queue = page.locator('.queue-table tr[data-number="800"]')
    assert queue.locator('[data-figure="offered"]').inner_text() == "4"
    assert queue.locator('[data-figure="abandoned"]').inner_text() == "3"
    bars = queue.locator("rect.wait-bar")
    assert bars.count() == 6
    box = queue.locator("svg.wait-bars").bounding_box()
    assert box["width"] > 0 and box["height"] > 0
    heights = [float(bars.nth(n).get_attribute("height")) for n in range(6)]
    assert [h > 0 for h in heights] == [True, False, True, False, False, True]
    assert page.locator("section.queue-pbx h2").all_inner_texts() == ["Branch", "Main"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
