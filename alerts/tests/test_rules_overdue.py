"""The overdue-callback rule: a callback still open N working minutes after the missed call is
told once, counted in working hours; a closed one never; a claimed one still counts."""

import datetime as dt

import pytest

from accounts.roles import Role
from accounts.testing import make_user
from alerts.models import Notification, Recipient, Rule, TelegramChat
from alerts.tests.conftest import CHAT_ID
from alerts.tests.rules_setup import WEDNESDAY, at, call, claim, derive_all, missed, run_task
from monitoring.models import CalendarDay

pytestmark = pytest.mark.django_db

THURSDAY = WEDNESDAY + dt.timedelta(days=1)
FRIDAY = WEDNESDAY + dt.timedelta(days=2)
OPERATOR_CHAT = 5552002
CALLER = "+998901234567"


@pytest.fixture
def overdue_rule(make_rule, bot, linked_chat, supervisor):
    rule = make_rule(Rule.Kind.CALLBACK_OVERDUE, [bot], [supervisor], overdue_minutes=30)
    Rule.objects.filter(pk=rule.pk).update(enabled_at=at("08:00"))
    return rule


def run_at(monkeypatch, *moments):
    for moment in moments:
        run_task(monkeypatch, moment)


def test_a_call_missed_at_1750_is_overdue_at_0920_the_next_working_day(
    overdue_rule, pbx, telegram_api, monkeypatch
):
    # The default working hours: 09:00 to 18:00 on Wednesday and Thursday.
    missed(pbx, at("17:50"), CALLER, name="Aziz")
    derive_all()

    run_at(monkeypatch, at("17:59"), at("18:30"), at("23:50"), at("09:00", THURSDAY))
    run_at(monkeypatch, at("09:19", THURSDAY))
    assert telegram_api.texts_to(CHAT_ID) == []

    run_at(monkeypatch, at("09:20", THURSDAY), at("09:21", THURSDAY), at("15:00", THURSDAY))

    (text,) = telegram_api.texts_to(CHAT_ID)
    assert text.startswith("<b>Not called back yet: Aziz (901234567)</b>")
    assert "Still open 30 working minutes after the missed call of 11.11.2026 17:50." in text
    assert "Nobody has taken it yet." in text


def test_a_holiday_in_the_calendar_is_not_counted(overdue_rule, pbx, telegram_api, monkeypatch):
    CalendarDay.objects.create(date=THURSDAY, kind=CalendarDay.Kind.HOLIDAY)
    missed(pbx, at("17:50"), CALLER)
    derive_all()

    run_at(monkeypatch, at("09:20", THURSDAY), at("17:00", THURSDAY), at("09:19", FRIDAY))
    assert telegram_api.texts_to(CHAT_ID) == []

    run_at(monkeypatch, at("09:20", FRIDAY))
    assert len(telegram_api.texts_to(CHAT_ID)) == 1


def test_a_callback_closed_in_time_is_never_told(overdue_rule, pbx, telegram_api, monkeypatch):
    missed(pbx, at("10:00"), CALLER)
    call(pbx, at("10:20"), "outbound", "answered", CALLER)  # called back within 20 minutes
    missed(pbx, at("11:00"), "+998907654321")
    derive_all()

    run_at(monkeypatch, at("10:31"), at("11:31"), at("17:00"))

    (text,) = telegram_api.texts_to(CHAT_ID)
    assert "907654321" in text and "901234567" not in text


def test_a_claimed_callback_not_done_still_counts_and_reaches_its_owner(
    overdue_rule, bot, pbx, telegram_api, monkeypatch
):
    owner = make_user("olga", Role.OPERATOR, extensions="101", pbx=pbx, first_name="Olga")
    other = make_user("oybek", Role.OPERATOR, extensions="101", pbx=pbx)
    Recipient.objects.create(user=owner, language="en")
    TelegramChat.objects.create(channel=bot, chat_id=OPERATOR_CHAT, user=owner)
    TelegramChat.objects.create(channel=bot, chat_id=OPERATOR_CHAT + 1, user=other)
    overdue_rule.recipients.add(owner, other)
    missed(pbx, at("10:00"), CALLER, extension="101")
    derive_all()
    claim(CALLER, owner, at("10:05"))

    run_at(monkeypatch, at("10:30"), at("10:45"))

    (to_owner,) = telegram_api.texts_to(OPERATOR_CHAT)
    assert "Taken by Olga, not done yet." in to_owner
    assert telegram_api.texts_to(CHAT_ID) == [to_owner]  # the supervisor too
    assert telegram_api.texts_to(OPERATOR_CHAT + 1) == []  # not the other operator's


def test_overdue_before_the_rule_was_switched_on_is_not_told(
    overdue_rule, pbx, telegram_api, monkeypatch
):
    Rule.objects.filter(pk=overdue_rule.pk).update(enabled_at=at("12:00"))
    missed(pbx, at("10:00"), CALLER)
    missed(pbx, at("11:50"), "+998907654321")
    derive_all()

    run_at(monkeypatch, at("12:01"), at("12:20"), at("12:30"))

    (text,) = telegram_api.texts_to(CHAT_ID)
    assert "907654321" in text


def test_quiet_hours_hold_the_message_until_they_end(overdue_rule, pbx, telegram_api, monkeypatch):
    Rule.objects.filter(pk=overdue_rule.pk).update(
        quiet_start=dt.time(22), quiet_end=dt.time(9, 30)
    )
    missed(pbx, at("17:50"), CALLER)
    derive_all()

    run_at(monkeypatch, at("09:20", THURSDAY), at("09:29", THURSDAY))
    assert telegram_api.texts_to(CHAT_ID) == []
    held = Notification.objects.get()
    assert held.not_before == at("09:30", THURSDAY)

    run_at(monkeypatch, at("09:30", THURSDAY), at("09:31", THURSDAY))
    assert len(telegram_api.texts_to(CHAT_ID)) == 1
