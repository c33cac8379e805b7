"""Every dashboard figure against earlier periods: which periods, the change, and its colour."""

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.testing import make_user
from monitoring import comparisons, kpis
from monitoring.comparisons import change, compare
from monitoring.periods import days_period, local_today, resolve_period
from monitoring.tests.factories import described_call, local

# Tuesday 10 March 2026; the day before is Monday 9 March, a week before Tuesday 3 March.
DAY = date(2026, 3, 10)
DAY_BEFORE = date(2026, 3, 9)
WEEK_BEFORE = date(2026, 3, 3)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# -- One figure ----------------------------------------------------------------------------------


def test_more_answered_calls_is_good_and_shown_relative_to_before():
    result = change(12, 8, comparisons.MORE_IS_GOOD)
    assert (result.difference, result.percent) == (4, 50)
    assert (result.direction, result.tone) == ("up", "good")


def test_more_missed_calls_is_bad_and_fewer_is_good():
    assert change(6, 4, comparisons.MORE_IS_BAD).tone == "bad"
    fewer = change(3, 4, comparisons.MORE_IS_BAD)
    assert (fewer.direction, fewer.tone, fewer.percent) == ("down", "good", -25)


def test_a_longer_wait_is_bad():
    result = change(30.0, 20.0, comparisons.MORE_IS_BAD, "duration")
    assert (result.direction, result.tone, result.percent) == ("up", "bad", 50)


def test_call_volumes_are_neither_good_nor_bad():
    assert change(10, 5).tone == ""
    assert change(5, 10).tone == ""


def test_the_service_level_changes_in_points_not_percent():
    result = change(80.0, 60.0, comparisons.MORE_IS_GOOD, "percent")
    assert (result.difference, result.percent, result.tone) == (20, None, "good")
    assert comparisons.change_text(result) == "20 pts"


def test_an_unchanged_figure_has_no_colour():
    result = change(7, 7, comparisons.MORE_IS_BAD)
    assert (result.direction, result.tone) == ("same", "")
    assert comparisons.change_text(result) == "0%"


def test_from_nothing_the_change_is_the_difference_itself():
    result = change(3, 0, comparisons.MORE_IS_BAD)
    assert (result.percent, result.direction, result.tone) == (None, "up", "bad")
    assert comparisons.change_text(result) == "+3"
    assert comparisons.change_text(change(0, 0)) == "0%"
    assert comparisons.change_text(change(90, 0, kind="duration")) == "+1:30"


def test_a_missing_figure_cannot_be_compared():
    for result in (change(None, 20.0), change(20.0, None)):
        assert (result.direction, result.tone, result.difference) == ("", "", None)
        assert comparisons.change_text(result) == "—"


def test_a_tiny_change_reads_less_than_one_percent():
    assert comparisons.change_text(change(1001, 1000)) == "<1%"
    assert comparisons.change_text(change(50.2, 50.0, kind="percent")) == "<1 pts"


# -- Two periods' summaries, from calls ----------------------------------------------------------

# (hour, direction, status, total s, talk s) on each day.
CALLS = {
    DAY: [
        (9, "inbound", "answered", 40, 30),  # wait 10
        (10, "inbound", "answered", 70, 40),  # wait 30
        (11, "inbound", "answered", 65, 60),  # wait 5
        (12, "inbound", "no_answer", 20, 0),
        (13, "outbound", "answered", 100, 90),
        (14, "internal", "answered", 30, 25),
    ],
    DAY_BEFORE: [
        (9, "inbound", "answered", 20, 15),  # wait 5
        (10, "inbound", "no_answer", 30, 0),
        (11, "inbound", "busy", 5, 0),
        (12, "outbound", "answered", 50, 40),
        (13, "outbound", "no_answer", 30, 0),
    ],
    WEEK_BEFORE: [
        (9, "inbound", "answered", 25, 20),  # wait 5
        (10, "inbound", "answered", 45, 30),  # wait 15
        (15, "inbound", "answered", 35, 10),  # wait 25
        (16, "inbound", "answered", 26, 20),  # wait 6
    ],
}
MISSED = {"no_answer", "busy", "failed", "voicemail"}


def plain_figures(day: date) -> dict:
    """A day's figures the plain way, from CALLS."""
    calls = CALLS[day]
    inbound = [c for c in calls if c[1] == "inbound"]
    answered_in = [c for c in inbound if c[2] == "answered"]
    waits = [total - talk for _h, _d, _s, total, talk in answered_in]
    answered = [c for c in calls if c[2] == "answered"]
    return {
        "total": len(calls),
        "inbound": len(inbound),
        "outbound": sum(c[1] == "outbound" for c in calls),
        "internal": sum(c[1] == "internal" for c in calls),
        "inbound_answered": len(answered_in),
        "inbound_missed": sum(c[2] in MISSED for c in inbound),
        "service_level": 100 * sum(w <= 20 for w in waits) / len(inbound) if inbound else None,
        "average_wait": sum(waits) / len(waits) if waits else None,
        "longest_wait": max(waits) if waits else None,
        "average_talk": sum(c[4] for c in answered) / len(answered) if answered else None,
        "total_talk": sum(c[4] for c in calls),
    }


@pytest.fixture
def three_days(pbx):
    for day, calls in CALLS.items():
        for hour, direction, status, total, talk in calls:
            described_call(pbx, local(day, hour), direction, status, total, talk, "901", "101")


def test_it_compares_every_figure_of_two_days(three_days):
    now, before = plain_figures(DAY), plain_figures(DAY_BEFORE)
    result = compare(
        kpis.summary(days_period(DAY, DAY)), kpis.summary(days_period(DAY_BEFORE, DAY_BEFORE))
    )
    assert set(result) == set(now)
    for key, got in result.items():
        assert (got.current, got.previous) == pytest.approx((now[key], before[key])), key
    # 4 inbound calls, 3 answered (2 within 20 s) against 3 with 1 answered: 50% against 33%.
    assert result["service_level"].difference == pytest.approx(50 - 100 / 3)
    assert result["inbound_answered"].percent == pytest.approx(200)
    assert (result["inbound_answered"].tone, result["inbound_missed"].tone) == ("good", "good")
    assert result["average_wait"].tone == "bad"  # 15 s against 5 s
    assert result["outbound"].tone == ""


# -- Which earlier periods -----------------------------------------------------------------------


def spans(found) -> list[tuple]:
    return [(b.kind, b.period.first_day, b.period.last_day) for b in found]


def test_a_past_day_is_compared_with_the_day_before_and_a_week_before():
    found = comparisons.baselines(days_period(DAY, DAY), now=utc(2026, 4, 1))
    assert spans(found) == [
        ("previous", DAY_BEFORE, DAY_BEFORE),
        ("week_before", WEEK_BEFORE, WEEK_BEFORE),
    ]
    assert all(b.until is None for b in found)


def test_a_few_days_are_compared_with_as_many_days_before_and_a_week_before():
    found = comparisons.baselines(
        days_period(date(2026, 3, 10), date(2026, 3, 12)), utc(2026, 4, 1)
    )
    assert spans(found) == [
        ("previous", date(2026, 3, 7), date(2026, 3, 9)),
        ("week_before", date(2026, 3, 3), date(2026, 3, 5)),
    ]


def test_a_week_or_longer_is_compared_with_the_period_before_only():
    now = utc(2026, 4, 1)
    assert spans(comparisons.baselines(resolve_period("last7", now=now), now)) == [
        ("previous", date(2026, 3, 19), date(2026, 3, 25))
    ]
    thirty = days_period(date(2026, 2, 5), date(2026, 3, 6))
    assert spans(comparisons.baselines(thirty, now)) == [
        ("previous", date(2026, 1, 6), date(2026, 2, 4))
    ]


def test_whole_months_are_compared_with_as_many_whole_months_before():
    now = utc(2026, 4, 15)
    assert spans(comparisons.baselines(resolve_period("last_month", now=now), now)) == [
        ("previous", date(2026, 2, 1), date(2026, 2, 28))
    ]
    quarter = days_period(date(2026, 1, 1), date(2026, 3, 31))
    assert spans(comparisons.baselines(quarter, now)) == [
        ("previous", date(2025, 10, 1), date(2025, 12, 31))
    ]


def test_today_just_after_tashkent_midnight_on_new_year_is_compared_up_to_the_same_time():
    # 00:30 on 1 January 2026 in Tashkent = 19:30 UTC on 31 December 2025.
    now = utc(2025, 12, 31, 19, 30)
    found = comparisons.baselines(resolve_period("today", now=now), now)
    assert spans(found) == [
        ("previous", date(2025, 12, 31), date(2025, 12, 31)),
        ("week_before", date(2025, 12, 25), date(2025, 12, 25)),
    ]
    # Each earlier day from its Tashkent midnight (19:00 UTC the day before) to 00:30.
    assert [(b.period.start, b.period.end) for b in found] == [
        (utc(2025, 12, 30, 19), utc(2025, 12, 30, 19, 30)),
        (utc(2025, 12, 24, 19), utc(2025, 12, 24, 19, 30)),
    ]
    assert all(b.until == b.period.end for b in found)


def test_this_month_and_this_year_in_progress_are_compared_up_to_the_same_point():
    now = utc(2025, 12, 31, 19, 30)  # 00:30 on 1 January 2026 in Tashkent
    (month,) = comparisons.baselines(resolve_period("month", now=now), now)
    assert (month.period.first_day, month.period.start) == (
        date(2025, 12, 1),
        utc(2025, 11, 30, 19),
    )
    assert month.period.end == utc(2025, 11, 30, 19, 30)
    (year,) = comparisons.baselines(resolve_period("year", now=now), now)
    assert (year.period.first_day, year.period.last_day) == (date(2025, 1, 1), date(2025, 12, 31))
    assert year.period.end == utc(2024, 12, 31, 19, 30)


def test_a_long_month_in_progress_is_compared_with_the_whole_of_a_shorter_one():
    now = utc(2026, 3, 31, 7)  # 12:00 on 31 March in Tashkent; February had 28 days
    (month,) = comparisons.baselines(resolve_period("month", now=now), now)
    assert (month.period.first_day, month.period.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert month.period.end == utc(2026, 2, 28, 19)
    assert month.until is None  # not "until" anything: all of February


def test_a_week_in_progress_says_on_which_day_and_time_the_week_before_stops():
    now = utc(2026, 3, 11, 5, 15)  # 10:15 on Wednesday 11 March in Tashkent
    (week,) = comparisons.baselines(resolve_period("week", now=now), now)
    assert (week.period.first_day, week.until) == (date(2026, 3, 2), utc(2026, 3, 4, 5, 15))
    text = comparisons.baseline_text(week, resolve_period("week", now=now))
    assert text.endswith(", until 04.03.2026 10:15")
    assert text.startswith("Compared with the period before: ")


# -- On the dashboard ----------------------------------------------------------------------------

URL = reverse("dashboard")
DAY_QUERY = {"period": "custom", "start": DAY.isoformat(), "end": DAY.isoformat()}


BADGE = re.compile(
    r'<span class="kpi-change(?: kpi-change-(?P<tone>good|bad))?" data-compare="(?P<kind>\w+)"\s*'
    r'data-direction="(?P<direction>\w*)" title="(?P<title>[^"]*)">'
    r'<span aria-hidden="true">(?P<shown>[^<]*)</span>'
)


def badges(html: str) -> dict[str, list[dict]]:
    """Each tile's badges: tone, kind, direction, title and the change shown after the arrow."""
    parts = re.split(r'data-kpi="(\w+)"', html)
    return {
        key: [
            {
                "tone": match["tone"] or "",
                "kind": match["kind"],
                "direction": match["direction"],
                "title": unescape(match["title"]),
                "text": unescape(match["shown"]).split(maxsplit=1)[-1],
            }
            for match in BADGE.finditer(body)
        ]
        for key, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def percent_text(now, before) -> str:
    return f"{abs(100 * (now - before) / before):.0f}%"


def test_the_dashboard_shows_each_figure_against_the_day_before_and_a_week_before(
    admin_client, three_days
):
    got = badges(admin_client.get(URL, DAY_QUERY).content.decode())
    now, before, week = (plain_figures(d) for d in (DAY, DAY_BEFORE, WEEK_BEFORE))
    previous, week_ago = got["inbound_answered"]
    assert (previous["kind"], week_ago["kind"]) == ("previous", "week_before")
    # Answered: 3 against 1 (up, good), and against 4 a week before (down, bad).
    assert previous == {
        "tone": "good",
        "kind": "previous",
        "direction": "up",
        "title": previous["title"],
        "text": percent_text(now["inbound_answered"], before["inbound_answered"]),
    }
    assert (week_ago["direction"], week_ago["tone"]) == ("down", "bad")
    assert week_ago["text"] == percent_text(now["inbound_answered"], week["inbound_answered"])
    # Missed: 1 against 2 (fewer: good), against 0 a week before (+1: bad).
    missed_previous, missed_week = got["inbound_missed"]
    assert (missed_previous["tone"], missed_previous["direction"]) == ("good", "down")
    assert (missed_week["tone"], missed_week["text"]) == ("bad", "+1")
    # Service level, in points.
    points = now["service_level"] - before["service_level"]
    assert got["service_level"][0]["text"] == f"{abs(points):.0f} pts"
    assert got["service_level"][0]["tone"] == ("good" if points > 0 else "bad")
    # The average wait: 15 s against 5 s the day before (longer: bad).
    assert got["average_wait"][0]["tone"] == "bad"
    assert got["average_wait"][0]["text"] == percent_text(
        now["average_wait"], before["average_wait"]
    )
    # Volumes are neither good nor bad.
    assert got["total"][0]["tone"] == ""


def test_each_badge_says_what_it_compares_with(admin_client, three_days):
    got = badges(admin_client.get(URL, DAY_QUERY).content.decode())
    previous, week_ago = got["total"]
    assert previous["title"] == (
        f"Compared with the day before: {days_period(DAY_BEFORE, DAY_BEFORE).label} "
        f"(then {len(CALLS[DAY_BEFORE])})"
    )
    assert week_ago["title"] == (
        f"Compared with the same day a week before: "
        f"{days_period(WEEK_BEFORE, WEEK_BEFORE).label} (then {len(CALLS[WEEK_BEFORE])})"
    )


def test_figures_without_a_comparison_show_none(admin_client, three_days):
    got = badges(admin_client.get(URL, DAY_QUERY).content.decode())
    assert "peak" not in got or got["peak"] == []
    assert got["not_called_back"] == []


def test_an_operator_compares_only_their_own_calls(client, pbx, three_days):
    # Extension 102 answered one call today and one a week before; nothing the day before.
    described_call(pbx, local(DAY, 17), "inbound", "answered", 30, 20, "905", "102")
    described_call(pbx, local(WEEK_BEFORE, 17), "inbound", "answered", 30, 20, "905", "102")
    described_call(pbx, local(WEEK_BEFORE, 18), "inbound", "answered", 30, 20, "906", "102")
    operator = make_user("opal", Role.OPERATOR, extensions="102", pbx=pbx)
    client.force_login(operator)
    got = badges(client.get(URL, DAY_QUERY).content.decode())
    previous, week_ago = got["total"]
    assert previous["text"] == "+1"
    assert previous["title"].endswith("(then 0)")
    assert (week_ago["text"], week_ago["direction"]) == ("50%", "down")


@pytest.mark.default_language
def test_the_comparisons_are_translated(admin_client, three_days):
    got = badges(admin_client.get(URL, DAY_QUERY).content.decode())
    title = got["total"][0]["title"]
    assert "Compared" not in title
    assert got["service_level"][0]["text"].endswith("f.p.")


def test_today_is_compared_with_yesterday_up_to_now(admin_client, pbx):
    today = local_today()
    html = admin_client.get(URL).content.decode()
    title = badges(html)["total"][0]["title"]
    yesterday = days_period(today - timedelta(days=1), today - timedelta(days=1))
    assert re.fullmatch(
        rf"Compared with the day before: {yesterday.label}, until \d\d:\d\d \(then 0\)", title
    )


def test_the_legend_above_the_tiles_names_both_earlier_days_in_order(admin_client, three_days):
    html = admin_client.get(URL, DAY_QUERY).content.decode()
    legend = unescape(re.search(r'<span class="compared-with">(.*?)</span>', html, re.S)[1])
    before = days_period(DAY_BEFORE, DAY_BEFORE).label
    week = days_period(WEEK_BEFORE, WEEK_BEFORE).label
    assert legend == (
        f"Changes against: the day before ({before}) · the same day a week before ({week})"
    )


def test_a_month_is_compared_with_the_month_before_only(admin_client, three_days):
    query = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}
    html = admin_client.get(URL, query).content.decode()
    got = badges(html)
    (previous,) = got["total"]
    february = days_period(date(2026, 2, 1), date(2026, 2, 28)).label
    assert previous["title"] == f"Compared with the period before: {february} (then 0)"
    assert previous["text"] == f"+{sum(len(calls) for calls in CALLS.values())}"
