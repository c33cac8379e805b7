"""At most TELEGRAM_CHAT_MESSAGES_PER_MINUTE messages a minute to one chat: the rest wait their
turn, none is dropped, failed or sent twice."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.testing import make_user
from alerts import outbox
from alerts.models import Notification, Rule
from alerts.tests.conftest import CHAT_ID

pytestmark = pytest.mark.django_db
MISSED = {"number": "+998901234567", "line": "200", "pbx": "Main",
          "started_at": "2026-12-07T05:15:00+00:00"}  # fmt: skip


@pytest.fixture
def rule(make_rule, bot, linked_chat, supervisor):
    return make_rule(Rule.Kind.MISSED_CALL, [bot], [supervisor])


def test_a_burst_of_50_is_delivered_once_each_spread_over_minutes(rule, telegram_api, settings):
    settings.TELEGRAM_CHAT_MESSAGES_PER_MINUTE = 20
    for number in range(50):
        outbox.enqueue(rule, "missed_call", f"missed_call:{number}", {**MISSED, "attempts": number})
    start = timezone.now()

    delivered_by_tick = []
    for tick in range(0, 6 * 60, 10):  # six minutes of the worker's sweep, every 10 s
        delivered_by_tick.append(outbox.deliver_due(start + dt.timedelta(seconds=tick)))

    texts = telegram_api.texts_to(CHAT_ID)
    assert len(texts) == 50
    assert sorted(int(t.split("Attempts today: ")[1].split("\n")[0]) for t in texts) == list(
        range(50)
    )
    rows = list(Notification.objects.all())
    assert {row.status for row in rows} == {Notification.Status.SENT}
    assert {row.attempts for row in rows} == {1}
    assert {row.error for row in rows} == {""}
    # No minute holds more than 20: at every send, the sends of the minute up to it.
    moments = sorted(row.sent_at for row in rows)
    for moment in moments:
        window = [m for m in moments if moment - dt.timedelta(minutes=1) < m <= moment]
        assert len(window) <= 20
    # 20 at once, 20 a minute later, the last 10 a minute after that.
    assert [count for count in delivered_by_tick if count] == [20, 20, 10]
    assert moments[-1] - moments[0] >= dt.timedelta(minutes=2)


def test_the_limit_is_per_chat(rule, telegram_api, settings, bot):
    from alerts.models import TelegramChat

    settings.TELEGRAM_CHAT_MESSAGES_PER_MINUTE = 3
    other = make_user("aziz", Role.SUPERVISOR, email="aziz@example.uz")
    TelegramChat.objects.create(channel=bot, chat_id=CHAT_ID + 1, user=other)
    rule.recipients.add(other)
    for number in range(5):
        outbox.enqueue(rule, "missed_call", f"missed_call:{number}", MISSED)

    now = timezone.now()
    assert outbox.deliver_due(now) == 6
    assert len(telegram_api.texts_to(CHAT_ID)) == 3
    assert len(telegram_api.texts_to(CHAT_ID + 1)) == 3

    waiting = Notification.objects.filter(status=Notification.Status.PENDING)
    assert waiting.count() == 4
    assert {row.not_before for row in waiting} == {now + dt.timedelta(minutes=1)}
    assert outbox.deliver_due(now + dt.timedelta(minutes=1)) == 4


def test_e_mail_has_no_chat_limit(make_rule, supervisor, smtp_server, settings):
    from alerts.models import Channel

    settings.TELEGRAM_CHAT_MESSAGES_PER_MINUTE = 1
    mail = Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")
    rule = make_rule(Rule.Kind.MISSED_CALL, [mail], [supervisor])
    for number in range(3):
        outbox.enqueue(rule, "missed_call", f"missed_call:{number}", MISSED)

    assert outbox.deliver_due() == 3
    assert len(smtp_server.messages) == 3
