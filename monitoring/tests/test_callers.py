"""Who is calling: networks and regions, new and returning callers, the repeat-call rate and the
numbers that call most, each against a plain count of the calls made here."""

import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from monitoring.analytics import callers
from monitoring.periods import days_period
from monitoring.tests.factories import described_call

FIRST, LAST = date(2026, 3, 9), date(2026, 3, 15)
WEEK = days_period(FIRST, LAST)
T0 = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # Tuesday 10:00 local

# (hours after T0, number, status, extension, direction)
CALLS = [
    (0, "901234567", "answered", "101", "inbound"),
    (3, "901234567", "no_answer", "101", "inbound"),  # again within 24 h
    (30, "901234567", "answered", "102", "inbound"),  # 27 h after: a new start
    (1, "931112233", "busy", "101", "inbound"),
    (2, "712223344", "answered", "102", "inbound"),
    (4, "+79161234567", "answered", "101", "inbound"),
    (5, "551112233", "answered", "101", "inbound"),
    (6, "", "no_answer", "101", "inbound"),
    (7, "", "answered", "102", "inbound"),
    (8, "931112233", "answered", "103", "inbound"),  # 7 h after its first: repeated
    (9, "902223344", "answered", "101", "outbound"),  # outbound: not a caller
    # The last day's last hour (Sunday 23:00 local): its follower, on Monday after the period,
    # still makes it a repeat; the follower itself is not the period's.
    (5 * 24 + 13, "951234567", "answered", "101", "inbound"),
    (5 * 24 + 20, "951234567", "answered", "101", "inbound"),
]
# Before the period: 712223344 called in already (returning); 902223344 only outbound.
BEFORE = [
    (-3 * 24, "712223344", "answered", "101", "inbound"),
    (-3 * 24, "931119999", "answered", "101", "inbound"),
    (-2 * 24, "901234567", "answered", "101", "outbound"),
]


def at(hours):
    return T0 + timedelta(hours=hours)


@pytest.fixture
def calls(pbx):
    for hours, number, status, extension, direction in CALLS + BEFORE:
        talk = 30 if status == "answered" else 0
        described_call(pbx, at(hours), direction, status, talk + 10, talk, number, extension)


def in_week(rows=CALLS, extensions=None):
    start, end = WEEK.start, WEEK.end
    return [
        row
        for row in rows
        if start <= at(row[0]) < end
        and row[4] == "inbound"
        and (extensions is None or row[3] in extensions)
    ]


def test_calls_callers_and_missed_by_origin_equal_a_plain_count(calls):
    plain_origin = {
        "901234567": "beeline", "951234567": "uzmobile", "931112233": "ucell",
        "712223344": "tashkent_city", "+79161234567": "foreign", "551112233": "other",
        "": "withheld",
    }  # fmt: skip
    expected_calls, expected_missed, numbers = Counter(), Counter(), defaultdict(set)
    for _h, number, status, _ext, _dir in in_week():
        code = plain_origin[number]
        expected_calls[code] += 1
        expected_missed[code] += status != "answered"
        if number:
            numbers[code].add(number)

    rows = callers.by_origin(WEEK)

    assert {row.code: row.calls for row in rows} == dict(expected_calls)
    assert {row.code: row.missed for row in rows} == {
        code: expected_missed[code] for code in expected_calls
    }
    assert {row.code: row.callers for row in rows if row.code != "withheld"} == {
        code: len(found) for code, found in numbers.items()
    }
    assert [row.calls for row in rows] == sorted((row.calls for row in rows), reverse=True)


def test_new_callers_had_never_called_in_before_the_period(calls):
    numbers = {row[1] for row in in_week() if row[1]}
    before = {row[1] for row in BEFORE if row[4] == "inbound"}

    result = callers.new_and_returning(WEEK)

    assert result.callers == len(numbers) == 6
    assert result.returning == len(numbers & before) == 1
    # 901234567 had only an outbound call before: still new as a caller.
    assert result.new == 5


def test_the_repeat_rate_counts_calls_followed_by_the_same_number_within_24_hours(calls):
    rows = [row for row in in_week() if row[1]]
    repeated = sum(
        any(
            other[1] == row[1] and 0 < other[0] - row[0] <= 24
            for other in CALLS + BEFORE
            if other[4] == "inbound"
        )
        for row in rows
    )

    result = callers.repeat_calls(WEEK)

    assert (result.calls, result.repeated) == (len(rows), repeated) == (9, 3)
    assert result.rate == pytest.approx(100 / 3)


def test_two_calls_in_the_same_second_repeat_once(pbx):
    described_call(pbx, T0, "inbound", "no_answer", 5, 0, "901234567", "101")
    described_call(pbx, T0, "inbound", "no_answer", 5, 0, "901234567", "102")

    assert callers.repeat_calls(WEEK).repeated == 1


def test_the_worst_repeaters_are_the_numbers_calling_most(calls):
    counts = Counter(row[1] for row in in_week() if row[1])

    worst = callers.worst_repeaters(WEEK)

    # 951234567's second call is after the period: once in it, not listed.
    assert [(r.number, r.calls) for r in worst] == [("901234567", 3), ("931112233", 2)]
    assert all(counts[r.number] == r.calls for r in worst)
    assert worst[0].missed == 1
    assert worst[0].origin_label == "Beeline"


def figure(html: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}".*?<div class="kpi-value">([^<]*)</div>', html, re.S)
    return match.group(1).strip()


URL = reverse("callers") + "?period=custom&start=2026-03-09&end=2026-03-15"


def test_the_page_shows_the_figures_and_tables(supervisor_client, calls):
    html = supervisor_client.get(URL).content.decode()

    assert (figure(html, "callers"), figure(html, "new"), figure(html, "returning")) == (
        "6",
        "5",
        "1",
    )
    assert figure(html, "repeat_rate") == "33.3%"
    assert 'data-origin="tashkent_city"' in html and "Tashkent city" in html
    assert re.findall(r'data-number="([^"]+)"', html) == ["901234567", "931112233"]


def test_an_operator_sees_only_their_own_extensions_callers(operator_client, calls):
    html = operator_client.get(URL).content.decode()
    own = {row[1] for row in in_week(extensions={"101", "102"}) if row[1]}

    assert figure(html, "callers") == str(len(own))
    # 931112233's second call went to 103: once on the operator's extensions, not listed.
    assert re.findall(r'data-number="([^"]+)"', html) == ["901234567"]
