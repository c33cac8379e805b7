"""The dashboard in a real browser: login, tiles, chart, live panel, language switcher."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from browser_fixtures import screenshot
from monitoring.models import LiveCall, LiveSnapshot
from monitoring.periods import local_today
from monitoring.tests.dashboard_data import expected, make_day
from monitoring.tests.factories import live_snapshot, make_pbx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def m_ss(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def test_it_shows_a_wrong_password_error_in_uzbek(page, log_in, admin_user):
    log_in("boss", "not-the-password")
    assert page.url.endswith(reverse("login"))
    assert page.locator("html").get_attribute("lang") == "uz"
    assert "Iltimos, to'g'ri" in page.locator(".errornote").inner_text()


def test_the_right_password_lands_on_the_dashboard(logged_in_page, live_server, pbx):
    assert logged_in_page.url == live_server.url + reverse("dashboard")
    assert logged_in_page.locator("#dashboard-stats").is_visible()
    assert logged_in_page.locator(".kpi-tile").count() == 16


def test_it_shows_the_computed_numbers_and_bars(logged_in_page, pbx):
    make_day(pbx, local_today())
    logged_in_page.reload()
    want = expected()

    def tile(key):
        return logged_in_page.locator(f'[data-kpi="{key}"] .kpi-value').inner_text().strip()

    assert tile("total") == str(want["total"])
    assert tile("inbound") == str(want["inbound"])
    assert tile("outbound") == str(want["outbound"])
    assert tile("internal") == str(want["internal"])
    assert tile("inbound_answered") == str(want["inbound_answered"])
    assert tile("inbound_missed") == str(want["inbound_missed"])
    assert tile("service_level") == f"{want['service_level']:.0f}%"
    assert tile("average_wait") == m_ss(want["average_wait"])
    assert tile("longest_wait") == m_ss(want["longest_wait"])
    assert tile("average_talk") == m_ss(want["average_talk"])
    assert tile("total_talk") == m_ss(want["total_talk"])
    assert tile("peak") == str(want["peak"])
    assert tile("not_called_back") == str(len(want["not_called_back"]))

    bars = logged_in_page.locator("svg.activity-chart rect.bar")
    assert bars.count() == 72
    values = bars.evaluate_all(
        "rects => rects.map(r => [r.dataset.series, +r.dataset.value, +r.getAttribute('height')])"
    )
    # 09:00-10:00 is the tenth hour: 2 answered, 1 missed, no outbound.
    assert [v[:2] for v in values[27:30]] == [
        ["inbound_answered", 2],
        ["inbound_missed", 1],
        ["outbound", 0],
    ]
    assert values[27][2] == pytest.approx(2 * values[28][2])
    drawn = [v for v in values if v[1]]
    assert sum(v[1] for v in drawn) == 8
    assert all(v[2] > 0 for v in drawn)


def test_the_live_panel_changes_without_a_reload(logged_in_page, pbx):
    snapshot = live_snapshot(pbx, age=timedelta(0))
    logged_in_page.reload()
    assert logged_in_page.locator(".live-empty").is_visible()
    logged_in_page.evaluate("window.notReloaded = true")

    LiveCall.objects.create(
        snapshot=snapshot,
        from_number="901234567",
        from_name="Alisher Qodirov",
        to_number="101",
        state="talking",
        total_seconds=42,
    )
    LiveSnapshot.objects.filter(pk=snapshot.pk).update(taken_at=timezone.now())
    row = logged_in_page.locator("#live-calls .live-call")
    row.wait_for(timeout=10_000)
    assert "901234567" in row.inner_text()
    assert "Alisher Qodirov" in row.inner_text()
    assert logged_in_page.evaluate("window.notReloaded") is True

    LiveSnapshot.objects.filter(pk=snapshot.pk).update(
        taken_at=timezone.now() - timedelta(minutes=5),
        is_stale=True,
        error="Connection refused",
    )
    message = logged_in_page.locator("#live-calls .live-message")
    message.wait_for(timeout=10_000)
    assert "Connection refused" in message.inner_text()
    assert logged_in_page.evaluate("window.notReloaded") is True


def test_the_language_switcher_turns_the_dashboard_russian_and_english(logged_in_page, pbx):
    page = logged_in_page
    page.click('.language-switcher button[value="ru"]')
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    # "Today" in the period selector, from Django's own Russian catalogue.
    assert page.locator('select[name="period"] option[value="today"]').inner_text() == "Сегодня"

    page.click('.language-switcher button[value="en"]')
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator('select[name="period"] option[value="today"]').inner_text() == "Today"
    assert "Total calls" in page.locator('[data-kpi="total"] .kpi-label').text_content()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_each_figure_shows_its_changes_inside_its_tile_and_the_page_fits(
    logged_in_page, live_server, pbx, width, height
):
    day = local_today() - timedelta(days=1)
    make_day(pbx, day, outside=False)
    make_day(pbx, day - timedelta(days=7), outside=False)
    make_pbx("Samarqand filiali")  # a second PBX: the PBX filter shows beside the period
    page = logged_in_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}{reverse('dashboard')}?period=custom&start={day}&end={day}")
    # Eleven figures, each against the day before and the same day a week before.
    badges = page.locator(".kpi-change")
    assert badges.count() == 22
    total = page.locator('[data-kpi="total"] .kpi-change')
    # The day before had no calls: +9; a week before, the same calls: unchanged.
    shown = total.locator("[aria-hidden=true]")
    assert shown.nth(0).inner_text().split() == ["▲", f"+{expected()['total']}"]
    assert shown.nth(1).inner_text().split() == ["=", "0%"]
    # Uzbek tooltips say what each compares with.
    assert total.nth(1).get_attribute("title").startswith("Bir hafta oldingi xuddi shu kun")
    # More missed calls than the day before: red.
    missed = page.locator('[data-kpi="inbound_missed"] .kpi-change').first
    assert "kpi-change-bad" in missed.get_attribute("class")
    red = missed.evaluate("e => getComputedStyle(e).color")
    quiet = page.locator('[data-kpi="total"] .kpi-change').first.evaluate(
        "e => getComputedStyle(e).color"
    )
    assert red != quiet
    for tile in page.locator(".kpi-tile:has(.kpi-change)").all():
        box = tile.bounding_box()
        for badge in tile.locator(".kpi-change").all():
            inner = badge.bounding_box()
            assert inner["x"] >= box["x"] and inner["x"] + inner["width"] <= box["x"] + box["width"]
    assert page.locator('select[name="pbx"]').is_visible()
    screenshot(page, f"dashboard-changes-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
