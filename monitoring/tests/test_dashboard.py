"""The dashboard page: tiles, period selector, chart, per-extension table."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html import unescape

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from monitoring.callbacks import derive
from monitoring.periods import local_today
from monitoring.tests.dashboard_data import DAY, expected, make_day
from monitoring.tests.factories import described_call, today_minus
from providers.models import PbxConnection

URL = reverse("dashboard")


@pytest.fixture
def today(pbx):
    day = local_today()
    make_day(pbx, day)
    return day


def tiles(html: str) -> dict[str, str]:
    found = re.findall(
        r'data-kpi="(\w+)"[^>]*title="([^"]*)".*?<div class="kpi-value">([^<]*)</div>', html, re.S
    )
    return {key: unescape(value).strip() for key, _title, value in found}


def tile_titles(html: str) -> dict[str, str]:
    found = re.findall(r'data-kpi="(\w+)"[^>]*title="([^"]*)"', html)
    return {key: unescape(title) for key, title in found}


def svg(html: str) -> ET.Element:
    match = re.search(r"<svg class=\"activity-chart\".*?</svg>", html, re.S)
    assert match, "no chart"
    return ET.fromstring(match.group(0))  # noqa: S314 (our own page)


def bars(html: str) -> list[dict]:
    return [
        {**rect.attrib, "title": rect.find("title").text}
        for rect in svg(html).iter("rect")
        if "bar" in rect.get("class", "")
    ]


def m_ss(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def test_it_sends_anonymous_visitors_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_tiles_with_the_right_numbers(admin_client, today):
    want = expected()
    got = tiles(admin_client.get(URL).content.decode())
    assert got["total"] == str(want["total"])
    assert got["inbound"] == str(want["inbound"])
    assert got["outbound"] == str(want["outbound"])
    assert got["internal"] == str(want["internal"])
    assert got["inbound_answered"] == str(want["inbound_answered"])
    assert got["inbound_missed"] == str(want["inbound_missed"])
    assert got["service_level"] == f"{want['service_level']:.0f}%"
    assert got["average_wait"] == m_ss(want["average_wait"])
    assert got["longest_wait"] == m_ss(want["longest_wait"])
    assert got["average_talk"] == m_ss(want["average_talk"])
    assert got["total_talk"] == m_ss(want["total_talk"])
    assert got["peak"] == str(want["peak"])
    assert got["not_called_back"] == str(len(want["not_called_back"]))


def test_it_explains_every_tile_in_its_tooltip(admin_client, today):
    titles = tile_titles(admin_client.get(URL).content.decode())
    assert len(titles) == 16
    assert all(titles.values())
    assert "within 20 seconds" in titles["service_level"]
    assert "failed, busy, no answer or voicemail" in titles["inbound_missed"]


def test_it_shows_a_dash_for_the_service_level_without_inbound_calls(admin_client, pbx):
    got = tiles(admin_client.get(URL).content.decode())
    assert got["service_level"] == "—"
    assert got["total"] == "0"


def test_it_lists_the_missed_numbers_with_links_to_their_history(admin_client, today):
    html = admin_client.get(URL).content.decode()
    section = html[html.index('id="not-called-back"') :]
    listed = re.findall(r'<tr data-number="(\d+)">', section)
    assert listed == expected()["not_called_back"]
    assert f'href="{reverse("number_history", args=["905555555"])}"' in section


def test_it_draws_a_bar_per_hour_and_series(admin_client, today):
    found = bars(admin_client.get(URL).content.decode())
    assert len(found) == 24 * 3
    nine = {
        bar["data-series"]: int(bar["data-value"])
        for bar in found
        if "09:00\u201310:00" in bar["title"]
    }
    assert nine == {"inbound_answered": 2, "inbound_missed": 1, "outbound": 0}
    ten = {
        bar["data-series"]: int(bar["data-value"])
        for bar in found
        if "10:00\u201311:00" in bar["title"]
    }
    assert ten == {"inbound_answered": 0, "inbound_missed": 1, "outbound": 1}
    # The call at 23:30 UTC the day before is drawn at 04:00 local time.
    four = [bar for bar in found if "04:00\u201305:00" in bar["title"]]
    assert [int(bar["data-value"]) for bar in four] == [0, 1, 0]
    assert sum(int(bar["data-value"]) for bar in found) == sum(
        1 for c in DAY if c[1] in ("inbound", "outbound")
    )


def test_it_draws_a_bar_per_day_for_this_week(admin_client, today):
    response = admin_client.get(URL, {"period": "week"})
    html = response.content.decode()
    found = bars(html)
    assert len(found) == 7 * 3
    assert svg(html).get("data-by") == "day"
    week = response.context["period"]
    # The fixture's two calls just outside today count when their day is in this week.
    outside = sum(week.first_day <= today + timedelta(days=o) <= week.last_day for o in (-1, 1))
    assert sum(int(bar["data-value"]) for bar in found) == 8 + outside


@pytest.mark.parametrize("preset", ["today", "yesterday", "week", "month"])
def test_it_selects_each_preset(admin_client, today, preset):
    response = admin_client.get(URL, {"period": preset})
    assert response.context["period"].preset == preset
    assert f'<option value="{preset}" selected>' in response.content.decode()


def test_it_counts_yesterday_apart_from_today(admin_client, today, pbx):
    response = admin_client.get(URL, {"period": "yesterday"})
    # One call of the fixture's day falls at 23:59:59 the day before.
    assert tiles(response.content.decode())["total"] == "1"


def test_it_shows_a_custom_range(admin_client, today):
    start = today - timedelta(days=1)
    response = admin_client.get(
        URL, {"period": "custom", "start": start.isoformat(), "end": today.isoformat()}
    )
    assert response.context["period"].first_day == start
    assert tiles(response.content.decode())["total"] == str(len(DAY) + 1)


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom", "start": "2025-03-05", "end": "2025-03-01"},
        {"period": "custom", "start": "not a date", "end": "2025-03-01"},
        {"period": "forever"},
        {"period": "custom"},
    ],
)
def test_it_reports_a_bad_period_and_shows_today(admin_client, today, params):
    response = admin_client.get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errornote"' in html
    assert 'class="errorlist"' in html
    assert response.context["period"].first_day == today
    assert tiles(html)["total"] == str(len(DAY))


def extension_order(html: str) -> list[str]:
    return re.findall(r'<tr data-extension="(\w+)">', html)


def test_it_sorts_the_extension_table_by_a_parameter(admin_client, today):
    assert extension_order(admin_client.get(URL).content.decode()) == ["101", "102", "103"]
    assert extension_order(admin_client.get(URL, {"sort": "-talk"}).content.decode()) == [
        "102",
        "101",
        "103",
    ]
    assert extension_order(admin_client.get(URL, {"sort": "talk"}).content.decode()) == [
        "103",
        "101",
        "102",
    ]


def test_it_links_each_column_to_its_sort_keeping_the_period(admin_client, today):
    html = admin_client.get(URL, {"period": "week", "sort": "-talk"}).content.decode()
    assert 'aria-sort="descending"' in html
    # The sorted column's link reverses it; the period stays.
    assert 'href="?period=week&amp;sort=talk"' in html
    assert 'href="?period=week&amp;sort=-missed"' in html


@override_settings(CALLBACK_BUSINESS_HOURS_ONLY=False)  # the day may be a day off
def test_it_shows_the_extension_numbers(admin_client, today):
    derive.rebuild()
    html = admin_client.get(URL).content.decode()
    row = re.search(r'<tr data-extension="102">(.*?)</tr>', html, re.S).group(1)
    cells = [unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # 102 called 904444444 back half an hour after its missed call.
    assert cells == ["3", "2", "1", "3:10", "1:35", "1", "30:00"]


def test_it_refreshes_the_stats_alone_for_htmx(admin_client, today):
    response = admin_client.get(
        URL, {"period": "today"}, headers={"HX-Request": "true", "HX-Target": "dashboard-stats"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard-stats"')
    assert "<html" not in html
    assert tiles(html)["total"] == str(len(DAY))


def test_it_narrows_an_operators_dashboard_to_their_extension(client, today, django_user_model):
    from django.contrib.auth.models import Group

    from accounts.models import OperatorProfile

    user = django_user_model.objects.create_user("op", password="Op-pass-123")
    user.groups.add(Group.objects.get_or_create(name="Operator")[0])
    OperatorProfile.objects.create(user=user, pbx=PbxConnection.objects.get(), extensions="103")
    client.force_login(user)
    got = tiles(client.get(URL).content.decode())
    assert got["total"] == "2"


def test_it_answers_in_a_handful_of_queries(admin_client, today, django_assert_max_num_queries):
    for n in range(30):
        described_call(
            PbxConnection.objects.get(),
            today_minus(n),
            "inbound",
            "answered",
            9,
            5,
            "9",
        )
    # The agents' links read which PBXes there are; two are the figures of the day before and
    # of a week before, for the comparisons, and two more their last, partial hour (the hourly
    # rollup answers whole hours, the calls the rest); one the PBXes to filter by.
    with django_assert_max_num_queries(20):
        response = admin_client.get(URL)
    assert tiles(response.content.decode())["total"] != "0"


def test_it_lists_the_most_recent_missed_numbers_and_counts_the_others(admin_client, pbx):
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    for minute in range(27):
        number = f"90{minute:07d}"
        described_call(
            pbx, start + timedelta(minutes=minute), "inbound", "no_answer", 20, 0, number
        )
    html = admin_client.get(URL).content.decode()
    section = html[html.index('id="not-called-back"') :]
    listed = re.findall(r'<tr data-number="(\d+)">', section)
    assert listed == [f"90{minute:07d}" for minute in range(26, 1, -1)]  # the 25 most recent
    assert '<span class="count-badge">27</span>' in section
    assert "And 2 more." in section
    assert tiles(html)["not_called_back"] == "27"


def test_an_operator_without_extensions_yet_sees_an_empty_dashboard(client, today):
    """The first page a new operator sees, before an administrator gives them extensions."""
    from accounts.roles import Role
    from accounts.testing import make_user

    client.force_login(make_user("newcomer", Role.OPERATOR))
    response = client.get(URL)
    assert response.status_code == 200
    got = tiles(response.content.decode())
    assert got["total"] == "0"
    assert got["peak"] == "0"
    assert got["not_called_back"] == "0"
