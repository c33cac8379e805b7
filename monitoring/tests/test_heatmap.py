"""The weekday-by-hour heatmap: each cell against a plain count in Tashkent time, at the edges
of days and hours; the page, its metrics and an operator's own calls."""

import re
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from monitoring.analytics.heatmap import Metric, heatmap, intensity
from monitoring.periods import days_period
from monitoring.tests.factories import described_call

TASHKENT = ZoneInfo("Asia/Tashkent")
UTC = ZoneInfo("UTC")
# Monday 9 March 2026 to Sunday 15 March 2026, local days.
MONDAY = date(2026, 3, 9)
WEEK = days_period(MONDAY, MONDAY + timedelta(days=6))

# (UTC time, status, total, talk): each near a local day's or hour's edge (UTC+5).
CALLS = [
    # 18:59:59 UTC Sunday 8 March = 23:59:59 Sunday local: before the period.
    (datetime(2026, 3, 8, 18, 59, 59, tzinfo=UTC), "answered", 30, 20),
    # 19:00:00 UTC Sunday = 00:00:00 Monday local: Monday, hour 0.
    (datetime(2026, 3, 8, 19, 0, 0, tzinfo=UTC), "answered", 15, 10),
    # 03:59:59 UTC = 08:59:59 Monday: hour 8; 04:00:00 UTC = 09:00:00: hour 9.
    (datetime(2026, 3, 9, 3, 59, 59, tzinfo=UTC), "no_answer", 20, 0),
    (datetime(2026, 3, 9, 4, 0, 0, tzinfo=UTC), "answered", 50, 10),
    (datetime(2026, 3, 9, 4, 30, 0, tzinfo=UTC), "answered", 25, 20),
    (datetime(2026, 3, 9, 4, 59, 59, tzinfo=UTC), "busy", 5, 0),
    # 20:30 UTC Tuesday = 01:30 Wednesday local.
    (datetime(2026, 3, 10, 20, 30, 0, tzinfo=UTC), "voicemail", 40, 0),
    # 18:59:59 UTC Sunday 15 March = 23:59:59 Sunday local: the period's last second.
    (datetime(2026, 3, 15, 18, 59, 59, tzinfo=UTC), "answered", 12, 2),
    # 19:00 UTC Sunday 15 March = Monday 16 March 00:00 local: after the period.
    (datetime(2026, 3, 15, 19, 0, 0, tzinfo=UTC), "answered", 10, 5),
]


@pytest.fixture
def calls(pbx):
    for n, (at, status, total, talk) in enumerate(CALLS):
        described_call(pbx, at, "inbound", status, total, talk, f"90{n:07d}", "101")
    # Outbound calls are not offered to the call center.
    described_call(pbx, datetime(2026, 3, 9, 4, 10, tzinfo=UTC), "outbound", "answered", 60, 50,
              "901112233", "101")  # fmt: skip
    # Extension 103's call: not the standing operator's (101, 102).
    described_call(pbx, datetime(2026, 3, 9, 4, 20, tzinfo=UTC), "inbound", "no_answer", 9, 0,
              "902223344", "103")  # fmt: skip


def plain_counts():
    """(weekday, hour) → offered, missed, answered within 20 s, waits — the plain way."""
    offered, missed, within, waits = Counter(), Counter(), Counter(), {}
    start = datetime(2026, 3, 9, tzinfo=TASHKENT)
    end = start + timedelta(days=7)
    rows = [*CALLS, (datetime(2026, 3, 9, 4, 20, tzinfo=UTC), "no_answer", 9, 0)]
    for at, status, total, talk in rows:
        local = at.astimezone(TASHKENT)
        if not start <= local < end:
            continue
        key = (local.isoweekday(), local.hour)
        offered[key] += 1
        missed[key] += status in {"no_answer", "busy", "failed", "voicemail"}
        if status == "answered":
            within[key] += total - talk <= 20
            waits.setdefault(key, []).append(total - talk)
    return offered, missed, within, waits


def test_every_cell_equals_a_plain_count_in_tashkent_time(calls):
    offered, missed, within, waits = plain_counts()

    result = heatmap(WEEK)

    for weekday, hours in result.cells.items():
        for hour, cell in hours.items():
            key = (weekday, hour)
            assert cell.offered == offered[key], key
            assert cell.missed == missed[key], key
            assert cell.within_service_level == within[key], key
            expected_wait = sum(waits[key]) / len(waits[key]) if key in waits else None
            assert cell.average_wait == (pytest.approx(expected_wait) if expected_wait else None)


def test_day_and_hour_edges_fall_on_the_local_side(calls):
    cells = heatmap(WEEK).cells

    # Monday 00:00:00 local, but Sunday in UTC.
    assert cells[1][0].offered == 1
    # 08:59:59 and 09:00:00 local, one in each hour; 09:59:59 still in nine.
    assert (cells[1][8].offered, cells[1][8].missed) == (1, 1)
    assert (cells[1][9].offered, cells[1][9].missed) == (4, 2)
    # Wednesday 01:30 local (Tuesday in UTC).
    assert (cells[2][1].offered, cells[3][1].offered) == (0, 1)
    # The period's last second is in; the calls a second outside it on either side are not.
    assert cells[7][23].offered == 1
    # Seven of the inbound calls above and 103's: all inbound calls of the week.
    assert sum(cell.offered for row in cells.values() for cell in row.values()) == 8


def test_service_level_and_wait_of_an_hour(calls):
    nine = heatmap(WEEK).cells[1][9]

    # 4 offered at Monday 09: answered after 40 s and 5 s waits; 1 within 20 s.
    assert nine.service_level == pytest.approx(25.0)
    assert nine.average_wait == pytest.approx(22.5)


@pytest.mark.parametrize(
    ("metric", "value", "highest", "level"),
    [
        (Metric.OFFERED, 10, 10, 5),
        (Metric.OFFERED, 1, 10, 1),
        (Metric.OFFERED, 0, 10, 0),
        (Metric.SERVICE_LEVEL, 100.0, 100, 0),
        (Metric.SERVICE_LEVEL, 0.0, 100, 5),
        (Metric.AVERAGE_WAIT, None, 30, 0),
    ],
)
def test_intensity_levels(metric, value, highest, level):
    assert intensity(metric, value, highest) == level


def cell_text(html: str, weekday_row: int, hour: int) -> str:
    body = html.split("<tbody>", 1)[1]
    row = re.findall(r"<tr>(.*?)</tr>", body, re.S)[weekday_row - 1]
    return re.findall(r'<td class="heat heat-\d"[^>]*>([^<]*)</td>', row)[hour]


def week_url(show="offered") -> str:
    return reverse("heatmap") + f"?period=custom&start=2026-03-09&end=2026-03-15&show={show}"


def test_the_page_shows_the_chosen_figure(supervisor_client, calls):
    offered = supervisor_client.get(week_url()).content.decode()
    level = supervisor_client.get(week_url("service_level")).content.decode()

    assert cell_text(offered, 1, 9) == "4"
    assert cell_text(offered, 1, 10) == ""
    assert cell_text(level, 1, 9) == "25%"
    assert 'data-metric="service_level"' in level


def test_an_operator_sees_the_pattern_of_their_own_calls(operator_client, calls):
    html = operator_client.get(week_url()).content.decode()

    # Their three calls of Monday 09:xx; 103's is not theirs.
    assert cell_text(html, 1, 9) == "3"


def test_an_unknown_figure_shows_the_offered_calls(supervisor_client, calls):
    html = supervisor_client.get(week_url("drop table")).content.decode()

    assert 'data-metric="offered"' in html
