"""The service-level rule: the last hour's share of inbound calls answered within
SERVICE_LEVEL_SECONDS (20 s) drops below the target — one message when it does, one when it
recovers (at once above target + margin, else after M minutes at or above the target)."""

import datetime as dt

import pytest

from alerts.models import Incident, Rule
from alerts.tests.conftest import CHAT_ID
from alerts.tests.rules_setup import WEDNESDAY, at, call, run_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def level_rule(make_rule, bot, linked_chat, supervisor):
    rule = make_rule(
        Rule.Kind.SERVICE_LEVEL,
        [bot],
        [supervisor],
        target_percent=80,
        min_calls=5,
        margin_percent=5,
        recovery_minutes=15,
    )
    Rule.objects.filter(pk=rule.pk).update(enabled_at=at("08:00"))
    return rule


def inbound_calls(pbx, first: str, good: int, bad: int, day=WEDNESDAY) -> None:
    """good + bad inbound calls a minute apart from `first`: the good ones answered after 10 s,
    the bad ones after 45 s or not at all."""
    start = at(first, day)
    for n in range(good + bad):
        when = start + dt.timedelta(minutes=n)
        if n < good:
            call(pbx, when, "inbound", "answered", f"+99890100{n:04d}")
        elif n % 2:
            call(pbx, when, "inbound", "no_answer", f"+99890100{n:04d}")
        else:
            late = call(pbx, when, "inbound", "answered", f"+99890100{n:04d}")
            type(late).objects.filter(pk=late.pk).update(wait_seconds=45)


def run_at(monkeypatch, *clocks: str) -> None:
    for clock in clocks:
        run_task(monkeypatch, at(clock))


def test_a_drop_is_one_message_and_its_recovery_another(level_rule, pbx, telegram_api, monkeypatch):
    inbound_calls(pbx, "10:00", good=6, bad=4)  # 6 of 10 in time: 60 %
    run_at(monkeypatch, "10:30", "10:31", "10:45")

    (drop,) = telegram_api.texts_to(CHAT_ID)
    assert drop.startswith("<b>Service level 60% is below the target of 80% — Main</b>")
    assert "Last hour: 6 of 10 inbound calls answered within 20 seconds." in drop

    inbound_calls(pbx, "11:30", good=8, bad=2)  # 80 %: at the target, not above it by 5 points
    run_at(monkeypatch, "11:40", "11:54")  # the hour holds only these ten calls until 12:30
    assert len(telegram_api.texts_to(CHAT_ID)) == 1

    run_at(monkeypatch, "11:55", "11:56", "12:10")  # 15 minutes at the target: recovered

    messages = telegram_api.texts_to(CHAT_ID)
    assert len(messages) == 2
    assert messages[1].startswith("<b>Service level recovered: 80% — Main</b>")
    assert "Below the target from 11.11.2026 10:30 to 11.11.2026 11:55." in messages[1]
    assert "Last hour: 8 of 10 inbound calls" in messages[1]


def test_well_above_the_target_it_recovers_at_once(level_rule, pbx, telegram_api, monkeypatch):
    inbound_calls(pbx, "10:00", good=6, bad=4)
    run_at(monkeypatch, "10:30")
    inbound_calls(pbx, "11:30", good=9, bad=1)  # 90 % ≥ 80 + 5

    run_at(monkeypatch, "11:40", "11:41")

    messages = telegram_api.texts_to(CHAT_ID)
    assert len(messages) == 2
    assert messages[1].startswith("<b>Service level recovered: 90%")


def test_a_level_wobbling_around_the_target_is_one_incident(
    level_rule, pbx, telegram_api, monkeypatch
):
    inbound_calls(pbx, "10:00", good=6, bad=4)
    run_at(monkeypatch, "10:30")
    inbound_calls(pbx, "11:30", good=8, bad=2)
    run_at(monkeypatch, "11:40", "11:50")  # at the target for 10 minutes…
    inbound_calls(pbx, "11:51", good=0, bad=3)  # …then below it again: 8 of 13
    run_at(monkeypatch, "11:55", "12:00")
    inbound_calls(pbx, "12:01", good=9, bad=0)  # 17 of 22 = 77 %, still below

    run_at(monkeypatch, "12:10", "12:20")

    assert len(telegram_api.texts_to(CHAT_ID)) == 1
    assert Incident.objects.filter(rule=Rule.Kind.SERVICE_LEVEL).count() == 1


def test_too_few_calls_or_closed_hours_open_nothing(level_rule, pbx, telegram_api, monkeypatch):
    inbound_calls(pbx, "10:00", good=0, bad=4)  # 0 % of only 4 calls
    inbound_calls(pbx, "18:10", good=0, bad=10)  # after 18:00, closed
    call(pbx, at("10:05"), "outbound", "no_answer", "+998907777777")  # not inbound

    run_at(monkeypatch, "10:30", "18:30", "18:59")

    assert telegram_api.texts_to(CHAT_ID) == []
    assert not Incident.objects.exists()
