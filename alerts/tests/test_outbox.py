"""The outbox: written first, sent once, retried with backoff, never lost."""

import datetime as dt
import logging
import zoneinfo

import pytest
from django.utils import timezone

from alerts import outbox
from alerts.models import Channel, Notification, Recipient, Rule
from alerts.tests.conftest import CHAT_ID

TASHKENT = zoneinfo.ZoneInfo("Asia/Tashkent")
MISSED = {
    "number": "+998901234567",
    "name": "Aziz",
    "attempts": 2,
    "line": "200",
    "line_name": "Sales",
    "pbx": "Main",
    "started_at": "2026-12-07T05:15:00+00:00",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(make_rule, bot, linked_chat, supervisor):
    return make_rule(Rule.Kind.MISSED_CALL, [bot], [supervisor])


def test_it_delivers_a_queued_event_once_to_the_linked_chat(rule, telegram_api):
    assert outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED) == 1

    assert outbox.deliver_due() == 1
    assert outbox.deliver_due() == 0

    texts = telegram_api.texts_to(CHAT_ID)
    assert len(texts) == 1
    assert "Aziz (+998901234567)" in texts[0]
    assert "Sales (200)" in texts[0]
    row = Notification.objects.get()
    assert row.status == Notification.Status.SENT and row.sent_at is not None


@pytest.mark.default_language
def test_it_writes_in_uzbek_by_default_with_tashkent_time(rule, telegram_api, supervisor):
    Recipient.objects.filter(user=supervisor).delete()
    outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED)
    outbox.deliver_due()

    (text,) = telegram_api.texts_to(CHAT_ID)
    assert "07.12.2026 10:15" in text  # 05:15 UTC is 10:15 in Tashkent
    assert "Missed call" not in text


def test_it_writes_in_the_recipients_language(rule, telegram_api, supervisor):
    Recipient.objects.filter(user=supervisor).update(language="ru")
    outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED)
    outbox.deliver_due()

    (text,) = telegram_api.texts_to(CHAT_ID)
    assert "Пропущенный звонок" in text


def test_an_event_queued_twice_is_one_message(rule, telegram_api):
    outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED)
    assert outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED) == 0

    outbox.deliver_due()
    assert len(telegram_api.sent) == 1


def test_a_telegram_outage_then_recovery_delivers_every_message_exactly_once(rule, telegram_api):
    for number in range(3):
        outbox.enqueue(rule, "missed_call", f"missed_call:{number}", MISSED)
    telegram_api.down = True
    start = timezone.now()

    # An hour of outage: each try fails, the message waits longer each time, none is lost.
    now = start
    for _minute in range(0, 60, 5):
        outbox.deliver_due(now)
        now += dt.timedelta(minutes=5)
    rows = Notification.objects.all()
    assert {row.status for row in rows} == {Notification.Status.PENDING}
    assert all("HTTP 502" in row.error for row in rows)
    attempts = {row.attempts for row in rows}
    assert max(attempts) < 12, "the tries back off instead of following every poll"

    telegram_api.down = False
    later = now + dt.timedelta(hours=2)
    assert outbox.deliver_due(later) == 3
    assert outbox.deliver_due(later + dt.timedelta(hours=1)) == 0
    assert len(telegram_api.sent) == 3
    assert {row.status for row in Notification.objects.all()} == {Notification.Status.SENT}


def test_a_second_worker_cannot_claim_a_claimed_row(rule):
    outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED)
    row = Notification.objects.get()
    now = timezone.now()

    assert outbox.claim(row.pk, now) is not None
    assert outbox.claim(row.pk, now) is None
    assert outbox.deliver(row.pk, now) is None


def test_a_row_left_by_a_dead_worker_is_sent_once_after_its_claim_expires(rule, telegram_api):
    outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED)
    row = Notification.objects.get()
    now = timezone.now()
    outbox.claim(row.pk, now)  # the worker dies here

    assert outbox.deliver_due(now + dt.timedelta(seconds=30)) == 0
    assert outbox.deliver_due(now + outbox.CLAIM + dt.timedelta(seconds=1)) == 1
    assert outbox.deliver_due(now + dt.timedelta(hours=1)) == 0
    assert len(telegram_api.sent) == 1


def test_a_refused_token_fails_at_once_and_says_so(rule, telegram_api, bot):
    Channel.objects.filter(pk=bot.pk).update(bot_token="999:wrong")
    outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED)

    outbox.deliver_due()

    row = Notification.objects.get()
    assert row.status == Notification.Status.FAILED
    assert row.error == "Telegram refused the bot token."


def test_an_unreachable_telegram_is_named_in_words_without_the_token(rule, settings):
    settings.TELEGRAM_API_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED)

    outbox.deliver_due()

    row = Notification.objects.get()
    assert row.status == Notification.Status.PENDING
    assert row.error == "The network is unreachable: could not connect to 127.0.0.1."
    assert "secret-token" not in row.error


@pytest.mark.parametrize(
    ("local_time", "mode", "status", "held_until"),
    [
        ("23:30", Rule.QuietMode.HOLD, Notification.Status.PENDING, "2026-12-08 08:00"),
        ("07:59", Rule.QuietMode.HOLD, Notification.Status.PENDING, "2026-12-07 08:00"),
        ("23:30", Rule.QuietMode.DROP, Notification.Status.DROPPED, None),
        ("12:00", Rule.QuietMode.DROP, Notification.Status.PENDING, None),
    ],
)
def test_quiet_hours_hold_or_drop(rule, telegram_api, local_time, mode, status, held_until):
    Rule.objects.filter(pk=rule.pk).update(
        quiet_start=dt.time(22), quiet_end=dt.time(8), quiet_mode=mode
    )
    rule.refresh_from_db()
    hour, minute = map(int, local_time.split(":"))
    now = dt.datetime(2026, 12, 7, hour, minute, tzinfo=TASHKENT)

    outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED, now=now)

    row = Notification.objects.get()
    assert row.status == status
    if held_until:
        assert timezone.localtime(row.not_before).strftime("%Y-%m-%d %H:%M") == held_until
        assert outbox.deliver_due(now) == 0
        assert outbox.deliver_due(row.not_before) == 1
    elif status == Notification.Status.DROPPED:
        assert outbox.deliver_due(now + dt.timedelta(days=1)) == 0
        assert telegram_api.sent == []


def test_the_bot_token_is_not_logged_even_at_debug_level(rule, telegram_api, caplog):
    caplog.set_level(logging.DEBUG)
    outbox.enqueue(rule, "missed_call", "missed_call:1", MISSED)
    telegram_api.down = True
    outbox.deliver_due()
    telegram_api.down = False
    outbox.deliver_due(timezone.now() + dt.timedelta(hours=1))

    assert len(telegram_api.sent) == 1
    assert "/sendMessage" in caplog.text or "Notification" in caplog.text
    assert telegram_api.token not in caplog.text
