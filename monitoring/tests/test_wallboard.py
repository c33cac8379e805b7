"""The wallboard: today's figures against a plain count, the live figures, the colours, the page
and its refresh fragment."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring.analytics.models import WallboardSettings
from monitoring.analytics.wallboard import BAD, GOOD, WARN, tone_down, tone_up, wallboard_figures
from monitoring.callbacks import derive
from monitoring.models import Callback, CallbackState, LiveCall, LiveSnapshot
from monitoring.periods import local_today
from monitoring.tests.dashboard_data import expected, local, make_day
from providers.models import PbxConnection

DAY = date(2026, 3, 10)
NOON = local(DAY, "12:00:00")


def tiles(html: str) -> dict[str, str]:
    found = re.findall(r'data-wb="(\w+)".*?<div class="wb-value">([^<]*)</div>', html, re.S)
    return {key: unescape(value).strip() for key, value in found}


def tile_tones(html: str) -> dict[str, str]:
    return dict(
        (key, tone) for tone, key in re.findall(r'class="wb-tile wb-(\w+)" data-wb="(\w+)"', html)
    )


def live(pbx, taken_at, *calls):
    """A fresh snapshot of `pbx` at `taken_at` with (state, direction, seconds) calls."""
    snapshot, _created = LiveSnapshot.objects.update_or_create(
        pbx=pbx, defaults={"taken_at": taken_at, "is_stale": False}
    )
    for state, direction, seconds in calls:
        LiveCall.objects.create(
            snapshot=snapshot, state=state, direction=direction, total_seconds=seconds
        )
    return snapshot


@pytest.fixture
def day(pbx):
    make_day(pbx, DAY)


def test_today_s_figures_equal_a_plain_count(day):
    plain = expected()

    figures = wallboard_figures(now=NOON)

    assert figures.answered == plain["inbound_answered"]
    assert figures.missed == plain["inbound_missed"]
    assert figures.service_level == pytest.approx(plain["service_level"])


def test_the_day_is_the_local_day_in_tashkent(day):
    """The calls of 23:59:59 the evening before and of 00:00:00 the day after are not today's,
    nor are they the next day's only call at the last second of that day."""
    first_second = wallboard_figures(now=local(DAY, "00:00:00"))
    last_second = wallboard_figures(now=local(DAY, "23:59:59"))
    next_day = wallboard_figures(now=local(DAY + timedelta(days=1), "00:00:00"))

    plain = expected()
    assert first_second.missed == last_second.missed == plain["inbound_missed"]
    assert (next_day.answered, next_day.missed) == (0, 1)


def test_it_counts_calls_talking_and_inbound_callers_ringing_with_the_longest_wait(pbx):
    live(
        pbx,
        NOON - timedelta(seconds=2),
        ("talking", "inbound", 100),
        ("talking", "outbound", 50),
        ("ringing", "inbound", 12),
        ("ringing", "inbound", 40),
        # An agent's outbound call ringing is not a caller waiting.
        ("ringing", "outbound", 90),
    )

    figures = wallboard_figures(now=NOON)

    assert (figures.in_progress, figures.waiting) == (2, 2)
    # 40 s at the snapshot, 2 s before now.
    assert figures.longest_wait == 42
    assert figures.stale_pbxes == []


def test_a_pbx_without_fresh_live_data_is_named_and_its_calls_are_not_counted(pbx):
    live(pbx, NOON - timedelta(minutes=5), ("talking", "inbound", 100))
    quiet = PbxConnection.objects.create(name="Branch", host="b.example.uz", username="u")

    figures = wallboard_figures(now=NOON)

    assert figures.in_progress == 0
    assert figures.stale_pbxes == ["Branch", "Main"]
    assert quiet.name in figures.stale_pbxes


@pytest.mark.parametrize(
    ("value", "tone"), [(79, WARN), (80, GOOD), (60, WARN), (59, BAD), (None, "")]
)
def test_service_level_is_green_from_its_green_value_and_red_below_its_amber_one(value, tone):
    assert tone_up(value, good=80, warn=60) == tone


@pytest.mark.parametrize(("value", "tone"), [(0, GOOD), (1, GOOD), (2, WARN), (4, WARN), (5, BAD)])
def test_waiting_turns_amber_then_red_at_its_thresholds(value, tone):
    assert tone_down(value, warn=2, bad=5) == tone


def test_the_administrator_s_thresholds_colour_the_figures(day):
    plain = expected()
    # The day: 1 of 6 inbound answered within 20 s (16.7 %), 4 missed.
    assert round(plain["service_level"]) == 17 and plain["inbound_missed"] == 4
    limits = WallboardSettings.current()
    limits.service_level_good, limits.service_level_warn = 16, 10
    limits.missed_warn, limits.missed_bad = 5, 10
    limits.save()

    tones = wallboard_figures(now=NOON).tones

    assert tones["service_level"] == GOOD
    assert tones["missed"] == GOOD
    limits.service_level_good, limits.missed_warn = 17, 4
    limits.save()
    tones = wallboard_figures(now=NOON).tones
    assert (tones["service_level"], tones["missed"]) == (WARN, WARN)


def test_thresholds_out_of_order_are_refused_with_a_clear_error(administrator_client):
    response = administrator_client.post(
        reverse("wallboard_settings"),
        {
            "save": "1",
            "service_level_good": 50,
            "service_level_warn": 70,
            "waiting_warn": 2,
            "waiting_bad": 5,
            "wait_warn_seconds": 30,
            "wait_bad_seconds": 60,
            "missed_warn": 5,
            "missed_bad": 15,
        },
    )

    assert response.status_code == 200
    assert "The amber threshold must not pass the red or green one." in response.content.decode()
    assert WallboardSettings.current().service_level_warn == 60


def test_the_page_shows_today_s_figures_coloured(supervisor_client, pbx):
    make_day(pbx, local_today())
    live(pbx, timezone.now(), ("ringing", "inbound", 3), ("talking", "inbound", 30))
    html = supervisor_client.get(reverse("wallboard")).content.decode()

    shown = tiles(html)
    plain = expected()
    assert shown["answered"] == str(plain["inbound_answered"])
    assert shown["missed"] == str(plain["inbound_missed"])
    assert shown["service_level"] == f"{plain['service_level']:.0f}%"
    assert (shown["in_progress"], shown["waiting"]) == ("1", "1")
    assert set(shown) == {
        "in_progress",
        "waiting",
        "longest_wait",
        "answered",
        "missed",
        "service_level",
        "open_callbacks",
    }
    assert set(tile_tones(html)) == {"waiting", "longest_wait", "missed", "service_level"}
    assert 'hx-get="/wallboard/"' in html


def test_the_refresh_returns_the_figures_alone(supervisor_client, pbx):
    response = supervisor_client.get(reverse("wallboard"), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="wallboard-figures"')
    assert "<html" not in html


def test_operators_may_not_open_it(operator_client):
    assert operator_client.get(reverse("wallboard")).status_code == 403


def test_it_counts_the_callbacks_still_open(pbx, day):
    derive.rebuild()
    open_now = Callback.objects.filter(state=CallbackState.OPEN).count()
    # The numbers missed and not called back: the day's 903…, 905…, 906… and the misses a second
    # before and after it, 907… and 908… (904… was called back).
    assert open_now == 5

    assert wallboard_figures(now=NOON).open_callbacks == open_now
    Callback.objects.filter(number="903333333").update(state=CallbackState.CLOSED)
    assert wallboard_figures(now=NOON).open_callbacks == open_now - 1
