"""End to end: a real Celery worker with beat finds a missed call, keeps its message through a
Telegram outage and delivers it exactly once when Telegram is back.

Needs PostgreSQL and Redis (the worker is another process and shares the test database).
"""

import datetime as dt
import time

import pytest
from django.utils import timezone

from alerts.models import Notification, Rule
from alerts.tests.conftest import CHAT_ID
from monitoring.models import Call, CallStatus, Direction, WorkingHours
from monitoring.tests.worker import running_worker, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_a_missed_call_reaches_telegram_once_after_an_outage(
    tmp_path, telegram_api, make_rule, bot, linked_chat, supervisor, pbx
):
    for weekday in range(7):  # open all day, every day: the call is in business hours
        WorkingHours.objects.update_or_create(
            weekday=weekday, defaults={"opens": dt.time(0), "closes": dt.time(23, 59, 59)}
        )
    rule = make_rule(Rule.Kind.MISSED_CALL, [bot], [supervisor])
    Rule.objects.filter(pk=rule.pk).update(enabled_at=timezone.now() - dt.timedelta(minutes=5))
    Call.objects.create(
        pbx=pbx,
        key="missed-1",
        started_at=timezone.now() - dt.timedelta(seconds=20),
        direction=Direction.INBOUND,
        from_number="+998901234567",
        to_number="200",
        external_number="901234567",
        status=CallStatus.NO_ANSWER,
        raw={},
    )
    telegram_api.down = True

    env = {"TELEGRAM_API_URL": telegram_api.url, "NOTIFICATION_RULES_SECONDS": "2"}
    with running_worker(tmp_path, **env):
        tried = lambda: Notification.objects.filter(attempts__gte=1).exists()  # noqa: E731
        assert wait_for(tried, timeout=45), (tmp_path / "worker.log").read_text()
        row = Notification.objects.get()
        assert row.status == Notification.Status.PENDING
        assert "HTTP 502" in row.error
        assert telegram_api.sent == []

        telegram_api.down = False
        delivered = lambda: Notification.objects.filter(status="sent").exists()  # noqa: E731
        assert wait_for(delivered, timeout=90), (tmp_path / "worker.log").read_text()
        time.sleep(5)  # more polls of the rules and the outbox: nothing is sent again

    assert len(telegram_api.texts_to(CHAT_ID)) == 1
    assert Notification.objects.count() == 1


def test_a_digest_is_sent_once_by_a_worker_that_looks_often_and_restarts(
    tmp_path, telegram_api, make_rule, bot, linked_chat, supervisor
):
    from alerts.digests import schedule

    now = timezone.now()
    due_a_minute_ago = timezone.localtime(now - dt.timedelta(minutes=1)).time()
    rule = make_rule(
        Rule.Kind.DAILY_DIGEST, [bot], [supervisor], digest_time=due_a_minute_ago.replace(second=0)
    )
    Rule.objects.filter(pk=rule.pk).update(enabled_at=now - dt.timedelta(hours=1))
    env = {"TELEGRAM_API_URL": telegram_api.url, "DIGEST_CHECK_SECONDS": "1"}

    with running_worker(tmp_path, **env):
        delivered = lambda: Notification.objects.filter(status="sent").exists()  # noqa: E731
        assert wait_for(delivered, timeout=60), (tmp_path / "worker.log").read_text()
        time.sleep(4)  # more looks: nothing is queued again

    # Started again, its own notes lost: the digest's key in the outbox keeps it single.
    Rule.objects.filter(pk=rule.pk).update(checked_until=None)
    with running_worker(tmp_path, **env):
        looked = lambda: Rule.objects.filter(pk=rule.pk, checked_until__isnull=False).exists()  # noqa: E731
        assert wait_for(looked, timeout=60), (tmp_path / "worker.log").read_text()
        time.sleep(3)

    texts = telegram_api.texts_to(CHAT_ID)
    assert len(texts) == 1 and texts[0].startswith("<b>")
    row = Notification.objects.get()
    moment = schedule.last_moment(Rule.objects.get(pk=rule.pk), timezone.now())
    assert row.event_key == schedule.event_key(Rule.Kind.DAILY_DIGEST, moment)
