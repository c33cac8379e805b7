"""The Calls page in a real browser: filtering by status and direction, and the CSV export."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from browser_fixtures import screenshot
from monitoring.models import CallStatus, Direction
from monitoring.tests.factories import make_call, make_pbx

pytestmark = pytest.mark.browser


@pytest.fixture
def page(admin_page_en):
    """These tests read English labels and download files."""
    return admin_page_en


def test_filtering_by_status_and_direction_shows_exactly_those_calls(page, live_server):
    pbx = make_pbx()
    make_pbx("Branch", host="branch.example.uz")
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(8)))
    wanted, names = [], []
    for n in range(12):
        status = [CallStatus.ANSWERED, CallStatus.NO_ANSWER, CallStatus.BUSY][n % 3]
        direction = [Direction.INBOUND, Direction.OUTBOUND][n % 2]
        name = f"Caller {n:02d}"
        call = make_call(
            pbx,
            start + dt.timedelta(minutes=7 * n),
            status=status,
            direction=direction,
            from_name=name,
            from_number=f"+99890{n:07d}",
            external_number=f"90{n:07d}",
            total_seconds=30 + n * 11,
            talk_seconds=n * 11 if status == CallStatus.ANSWERED else 0,
        )
        if status == CallStatus.NO_ANSWER and direction == Direction.INBOUND:
            wanted.append(call)
            names.append(name)
    page.goto(f"{live_server.url}/calls/")
    page.select_option("#id_period", "custom")
    page.fill("#id_start", today.isoformat())
    page.fill("#id_end", today.isoformat())
    screenshot(page, "calls-all")
    page.select_option("#id_status", "no_answer")
    page.select_option("#id_direction", "inbound")
    page.click("input[type=submit][value=Filter]")
    page.wait_for_url("**status=no_answer**")
    rows = page.locator("#calls-table tbody tr[data-call]")
    shown = [int(pk) for pk in rows.evaluate_all("rows => rows.map(r => r.dataset.call)")]
    assert shown == [call.pk for call in sorted(wanted, key=lambda c: c.started_at, reverse=True)]
    screenshot(page, "calls-filtered")

    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    content = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    exported = list(csv.reader(io.StringIO(content)))
    assert exported[0][0] == "Start time"
    assert sorted(row[3] for row in exported[1:]) == sorted(names)
    assert all(row[7] == "No answer" and row[1] == "Inbound" for row in exported[1:])


def test_the_call_page_and_a_numbers_history_open_from_the_list(page, live_server):
    pbx = make_pbx()
    call = make_call(pbx, timezone.now() - dt.timedelta(minutes=5), from_name="Nodira")
    make_call(pbx, timezone.now() - dt.timedelta(minutes=50), from_name="Nodira again")
    page.goto(f"{live_server.url}/calls/")
    page.click(f"tr[data-call='{call.pk}'] td:first-child a")
    page.wait_for_selector("#raw-record")
    assert "Nodira" in page.inner_text("#content")
    page.wait_for_selector("#recording-player")
    screenshot(page, "call-detail")
    page.click("a[href='/numbers/901234567/']")
    page.wait_for_selector("#number-total")
    assert page.inner_text("#number-total") == "2"
    screenshot(page, "number-history")
    assert settings.TIME_ZONE == "Asia/Tashkent"


def test_choosing_a_pbx_on_a_phone_lists_and_exports_only_its_calls(page, live_server):
    main = make_pbx()
    branch = make_pbx("Branch", host="branch.example.uz")
    start = timezone.localtime().replace(hour=0, minute=5, second=0, microsecond=0)
    for n, pbx in enumerate([main, branch, main, branch, branch]):
        make_call(pbx, start + dt.timedelta(minutes=n), from_name=f"{pbx.name} caller {n}")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/calls/")
    assert page.locator("#id_pbx option").all_inner_texts() == ["All", "Branch", "Main"]
    page.select_option("#id_pbx", label="Branch")
    page.click("input[type=submit][value=Filter]")
    page.wait_for_url(f"**pbx={branch.pk}**")
    rows = page.locator("#calls-table tbody tr[data-call]")
    assert rows.count() == 3
    assert all("Branch caller" in text for text in rows.all_inner_texts())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "calls-pbx-390")

    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    content = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    exported = list(csv.reader(io.StringIO(content)))[1:]
    assert sorted(row[3] for row in exported) == [
        "Branch caller 1",
        "Branch caller 3",
        "Branch caller 4",
    ]
