"""The rules: a missed call in business hours, and the product's own health — each fires once
per incident and once on recovery."""

import datetime as dt
import zoneinfo

import pytest

from alerts import outbox, rules
from alerts.models import Incident, Rule
from alerts.rules import health as health_rule
from alerts.tests.conftest import CHAT_ID
from monitoring.models import Call, CallStatus, Direction, SyncState

TASHKENT = zoneinfo.ZoneInfo("Asia/Tashkent")
MONDAY_11 = dt.datetime(2026, 12, 7, 11, 0, tzinfo=TASHKENT)

pytestmark = pytest.mark.django_db


def store_call(pbx, started_at, status=CallStatus.NO_ANSWER, number="+998901234567", seen=None):
    """A call as the sync stores it, first seen a minute after it started."""
    call = Call.objects.create(
        pbx=pbx,
        key=f"{number}-{started_at.timestamp()}",
        started_at=started_at,
        direction=Direction.INBOUND,
        from_number=number,
        from_name="Aziz",
        to_number="200",
        to_name="Sales",
        external_number=number[-9:],
        status=status,
        raw={},
    )
    Call.objects.filter(pk=call.pk).update(
        first_seen_at=seen or started_at + dt.timedelta(minutes=1)
    )
    return call


@pytest.fixture
def missed_rule(make_rule, bot, linked_chat, supervisor):
    rule = make_rule(Rule.Kind.MISSED_CALL, [bot], [supervisor])
    Rule.objects.filter(pk=rule.pk).update(enabled_at=MONDAY_11 - dt.timedelta(hours=1))
    return rule


def run_rules(now):
    rules.evaluate_all(now)
    outbox.deliver_due(now)


def test_a_missed_call_in_business_hours_is_sent_once(missed_rule, pbx, telegram_api):
    store_call(pbx, MONDAY_11 - dt.timedelta(minutes=10))

    run_rules(MONDAY_11)
    run_rules(MONDAY_11 + dt.timedelta(minutes=1))

    (text,) = telegram_api.texts_to(CHAT_ID)
    assert "Missed call from Aziz (+998901234567)" in text
    assert "Attempts today: 1" in text
    assert "Line called: Sales (200)" in text
    assert "07.12.2026 10:50" in text


def test_a_second_missed_call_from_the_number_counts_the_attempts(missed_rule, pbx, telegram_api):
    store_call(pbx, MONDAY_11 - dt.timedelta(minutes=20))
    store_call(pbx, MONDAY_11 - dt.timedelta(minutes=10))

    run_rules(MONDAY_11)

    texts = telegram_api.texts_to(CHAT_ID)
    assert [("Attempts today: 1" in t, "Attempts today: 2" in t) for t in texts] == [
        (True, False),
        (False, True),
    ]


def test_answered_calls_and_calls_out_of_hours_are_not_sent(missed_rule, pbx, telegram_api):
    store_call(pbx, MONDAY_11 - dt.timedelta(minutes=10), status=CallStatus.ANSWERED)
    store_call(pbx, MONDAY_11 - dt.timedelta(hours=3), seen=MONDAY_11 - dt.timedelta(minutes=5))
    # The working hours: Saturday closes at 14:00; 8 December (Constitution Day) is a holiday.
    saturday_15 = MONDAY_11 + dt.timedelta(days=5, hours=4)
    store_call(pbx, saturday_15 - dt.timedelta(minutes=10), number="+998901111111")
    holiday_11 = MONDAY_11 + dt.timedelta(days=1)
    store_call(pbx, holiday_11 - dt.timedelta(minutes=10), number="+998902222222")

    run_rules(MONDAY_11)
    run_rules(holiday_11)
    run_rules(saturday_15)

    assert telegram_api.sent == []


def test_a_switched_off_rule_sends_nothing(missed_rule, pbx, telegram_api):
    Rule.objects.filter(pk=missed_rule.pk).update(enabled=False)
    store_call(pbx, MONDAY_11 - dt.timedelta(minutes=10))

    run_rules(MONDAY_11)

    assert telegram_api.sent == []


@pytest.fixture
def health_rule_on(make_rule, bot, linked_chat, supervisor):
    return make_rule(Rule.Kind.UNHEALTHY, [bot], [supervisor])


def about_main(telegram_api) -> list[str]:
    return [text for text in telegram_api.texts_to(CHAT_ID) if "Main" in text]


def test_a_stale_sync_is_one_message_and_its_recovery_another(health_rule_on, pbx, telegram_api):
    start = dt.datetime.now(dt.UTC)
    SyncState.objects.filter(pk=pbx.pk).update(last_success_at=start - dt.timedelta(minutes=10))

    for minute in range(5):  # five polls while the sync stays stale
        run_rules(start + dt.timedelta(minutes=minute))
    problems = about_main(telegram_api)
    assert len(problems) == 1
    assert problems[0].startswith("<b>Problem: ")

    fresh = start + dt.timedelta(minutes=5)
    SyncState.objects.filter(pk=pbx.pk).update(last_success_at=fresh)
    for second in (0, 60, 90):  # green, but not yet for long enough
        run_rules(fresh + dt.timedelta(seconds=second))
    assert len(about_main(telegram_api)) == 1

    for minute in (3, 4, 5):
        SyncState.objects.filter(pk=pbx.pk).update(
            last_success_at=fresh + dt.timedelta(minutes=minute)
        )
        run_rules(fresh + dt.timedelta(minutes=minute))
    messages = about_main(telegram_api)
    assert len(messages) == 2
    assert messages[1].startswith("<b>Recovered: ")
    assert not Incident.objects.filter(key=f"pbx{pbx.pk}:sync", resolved_at__isnull=True).exists()


def test_a_row_that_flickers_green_and_red_is_one_incident(health_rule_on, pbx, telegram_api):
    start = dt.datetime.now(dt.UTC)
    stale = start - dt.timedelta(minutes=10)
    for minute in range(6):
        # Green every other poll, never for long enough to count as recovered.
        success = stale if minute % 2 == 0 else start + dt.timedelta(minutes=minute)
        SyncState.objects.filter(pk=pbx.pk).update(last_success_at=success)
        run_rules(start + dt.timedelta(minutes=minute))

    assert len(about_main(telegram_api)) == 1
    assert Incident.objects.filter(key=f"pbx{pbx.pk}:sync").count() == 1


def test_evaluating_again_while_the_incident_is_open_opens_no_second_one(health_rule_on, pbx):
    start = dt.datetime.now(dt.UTC)
    SyncState.objects.filter(pk=pbx.pk).update(last_success_at=start - dt.timedelta(minutes=10))
    rule = Rule.objects.get(kind=Rule.Kind.UNHEALTHY)

    health_rule.evaluate(rule, start)
    health_rule.evaluate(rule, start)

    assert Incident.objects.filter(key=f"pbx{pbx.pk}:sync").count() == 1
