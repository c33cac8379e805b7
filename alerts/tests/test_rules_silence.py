"""The inbound-silence rule: no inbound call for 20 minutes in working hours, at an hour that
usually (the median of the same weekday and hour over the last 6 weeks) brings at least 5 — one
message saying the trunk or the route is probably down, one when an inbound call arrives."""

import datetime as dt
import statistics

import pytest

from alerts.models import Incident, Rule
from alerts.tests.conftest import CHAT_ID
from alerts.tests.rules_setup import WEDNESDAY, at, call, run_task
from monitoring.models import SyncState

pytestmark = pytest.mark.django_db

# Inbound calls of the PBX on the six Wednesdays before, between 10:00 and 11:00 (a holiday
# among them brought none).
BUSY_WEDNESDAYS = [8, 7, 6, 9, 0, 5]
QUIET_WEDNESDAYS = [2, 3, 1, 0, 4, 2]


@pytest.fixture
def silence_rule(make_rule, bot, linked_chat, supervisor):
    rule = make_rule(
        Rule.Kind.INBOUND_SILENCE,
        [bot],
        [supervisor],
        silence_minutes=20,
        usual_calls=5,
        history_weeks=6,
    )
    Rule.objects.filter(pk=rule.pk).update(enabled_at=at("08:00"))
    return rule


def history(pbx, counts: list[int], hour: int = 10) -> None:
    """counts[k]: the inbound calls of the Wednesday k + 1 weeks ago, in the hour from `hour`."""
    for weeks_back, count in enumerate(counts, start=1):
        day = WEDNESDAY - dt.timedelta(weeks=weeks_back)
        for n in range(count):
            when = at(f"{hour:02d}:{5 * n:02d}", day)
            call(pbx, when, "inbound", "answered", f"+99890200{weeks_back}{n:03d}")


def run_at(monkeypatch, pbx, *clocks: str, synced=True) -> None:
    """The rules at each moment, the PBX's sync having just succeeded (or not since 09:00)."""
    for clock in clocks:
        success = at(clock) - dt.timedelta(seconds=20) if synced else at("09:00")
        SyncState.objects.filter(pk=pbx.pk).update(last_success_at=success)
        run_task(monkeypatch, at(clock))


def test_silence_at_a_busy_hour_is_one_message_and_the_next_call_another(
    silence_rule, pbx, telegram_api, monkeypatch
):
    history(pbx, BUSY_WEDNESDAYS)
    call(pbx, at("10:05"), "inbound", "answered", "+998903000001")

    run_at(monkeypatch, pbx, "10:15", "10:25")  # 20 minutes after 10:05: not yet silent
    assert telegram_api.texts_to(CHAT_ID) == []
    run_at(monkeypatch, pbx, "10:26", "10:27", "10:40")

    (silence,) = telegram_api.texts_to(CHAT_ID)
    usual = statistics.median(BUSY_WEDNESDAYS)  # 6.5
    assert silence.startswith("<b>No inbound calls for 20 minutes — Main</b>")
    assert f"usually bring {usual:g} inbound calls (the median of the last 6 weeks)" in silence
    assert "Last inbound call: 11.11.2026 10:05" in silence
    assert "The SIP trunk or the inbound route is probably down" in silence

    call(pbx, at("10:41"), "outbound", "answered", "+998903000002")  # ours out: still silent
    run_at(monkeypatch, pbx, "10:42")
    assert len(telegram_api.texts_to(CHAT_ID)) == 1

    call(pbx, at("10:45"), "inbound", "no_answer", "+998903000003")
    run_at(monkeypatch, pbx, "10:46", "10:47", "11:30")

    messages = telegram_api.texts_to(CHAT_ID)
    assert len(messages) == 2
    assert messages[1].startswith("<b>Inbound calls are arriving again — Main</b>")
    assert "The first inbound call after the silence came at 11.11.2026 10:45." in messages[1]


def test_an_hour_that_usually_brings_few_calls_is_not_watched(
    silence_rule, pbx, telegram_api, monkeypatch
):
    history(pbx, QUIET_WEDNESDAYS)  # the median is 2

    run_at(monkeypatch, pbx, "10:30", "10:59")

    assert telegram_api.texts_to(CHAT_ID) == []
    assert not Incident.objects.exists()


def test_only_a_silence_wholly_within_working_hours_counts(
    silence_rule, pbx, telegram_api, monkeypatch
):
    history(pbx, BUSY_WEDNESDAYS, hour=9)  # the working day opens at 09:00

    run_at(monkeypatch, pbx, "09:05", "09:19")  # the last 20 minutes began before opening
    assert telegram_api.texts_to(CHAT_ID) == []

    run_at(monkeypatch, pbx, "09:20")
    assert len(telegram_api.texts_to(CHAT_ID)) == 1


def test_a_pbx_whose_sync_is_behind_is_left_to_the_health_rule(
    silence_rule, pbx, telegram_api, monkeypatch
):
    history(pbx, BUSY_WEDNESDAYS)

    run_at(monkeypatch, pbx, "10:30", "10:45", synced=False)

    assert telegram_api.texts_to(CHAT_ID) == []
