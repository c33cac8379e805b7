"""The daily and weekly digests: due at their time (Tashkent), sent once however often the beat
looks or the worker restarts, with figures equal to counts made here from the calls themselves,
in Telegram (escaped HTML) and e-mail (text, HTML and the calls as XLSX)."""

import datetime as dt
import email
import io
import random
from collections import Counter

import openpyxl
import pytest

from accounts.roles import Role
from accounts.testing import make_user
from alerts import outbox
from alerts.digests import due, schedule
from alerts.models import Channel, Notification, Recipient, Rule
from alerts.tests.conftest import CHAT_ID
from monitoring.models import MISSED_STATUSES, CallStatus, Direction
from monitoring.tests.factories import TASHKENT, make_call

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 12, 7)
WEEK = dt.timedelta(days=7)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TASHKENT)


@pytest.fixture(autouse=True)
def supervisor_role(supervisor):
    """The recipient is a supervisor: a digest counts the calls its recipient may see."""
    from django.contrib.auth.models import Group

    from accounts.roles import GROUP_NAMES

    supervisor.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.SUPERVISOR])[0])


@pytest.fixture
def daily(make_rule, bot, linked_chat, supervisor):
    rule = make_rule(Rule.Kind.DAILY_DIGEST, [bot], [supervisor])
    Rule.objects.filter(pk=rule.pk).update(enabled_at=at(MONDAY, 9))
    rule.refresh_from_db()
    return rule


# -- When ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "moment"),
    [
        (at(MONDAY, 18, 29), None),  # not yet (yesterday's was before the rule was switched on)
        (at(MONDAY, 18, 30), at(MONDAY, 18, 30)),
        (at(MONDAY, 18, 40), at(MONDAY, 18, 30)),  # the worker was down at 18:30: caught up
        (at(MONDAY, 21, 29), at(MONDAY, 18, 30)),
        (at(MONDAY, 21, 30), None),  # three hours late: skipped
        (at(MONDAY + dt.timedelta(days=1), 8), None),
    ],
)
def test_the_daily_digest_is_due_from_its_time_for_three_hours(daily, now, moment):
    assert schedule.due_moment(daily, now) == moment


def test_a_digest_switched_on_after_its_time_waits_for_the_next_day(daily):
    Rule.objects.filter(pk=daily.pk).update(enabled_at=at(MONDAY, 18, 35))
    daily.refresh_from_db()

    assert schedule.due_moment(daily, at(MONDAY, 18, 40)) is None
    tuesday = MONDAY + dt.timedelta(days=1)
    assert schedule.due_moment(daily, at(tuesday, 18, 30)) == at(tuesday, 18, 30)


def test_the_weekly_digest_is_due_on_monday_at_nine_for_the_week_before(make_rule, bot):
    rule = make_rule(Rule.Kind.WEEKLY_DIGEST, [bot], [])
    Rule.objects.filter(pk=rule.pk).update(enabled_at=at(MONDAY - WEEK, 12))
    rule.refresh_from_db()

    assert schedule.due_moment(rule, at(MONDAY, 8, 59)) is None
    assert schedule.due_moment(rule, at(MONDAY, 9)) == at(MONDAY, 9)
    assert schedule.due_moment(rule, at(MONDAY, 20)) == at(MONDAY, 9)  # still that day
    assert schedule.due_moment(rule, at(MONDAY + dt.timedelta(days=2), 9)) is None
    span = schedule.span(rule.kind, at(MONDAY, 9))
    assert (span.start, span.end) == (at(MONDAY - WEEK, 0), at(MONDAY, 0))
    assert (span.previous_start, span.previous_end) == (at(MONDAY - 2 * WEEK, 0), span.start)


def test_it_is_sent_once_across_beat_ticks_and_a_restarted_worker(daily, telegram_api):
    for minute in (30, 31, 40):
        due.send_due(at(MONDAY, 18, minute))
        outbox.deliver_due(at(MONDAY, 18, minute))
    # A restarted beat and worker that lost every note of their own, the same evening.
    Rule.objects.filter(pk=daily.pk).update(checked_until=None)
    assert due.send_due(at(MONDAY, 19)) == 0
    outbox.deliver_due(at(MONDAY, 19))

    assert len(telegram_api.texts_to(CHAT_ID)) == 1
    row = Notification.objects.get()
    assert row.event_key == "daily_digest:2026-12-07"
    assert set(row.params) == {"start", "end", "previous_start", "previous_end"}

    tuesday = MONDAY + dt.timedelta(days=1)
    due.send_due(at(tuesday, 18, 30))
    outbox.deliver_due(at(tuesday, 18, 30))
    assert len(telegram_api.texts_to(CHAT_ID)) == 2


def test_a_switched_off_digest_is_not_sent(daily, telegram_api):
    Rule.objects.filter(pk=daily.pk).update(enabled=False)
    assert due.send_due(at(MONDAY, 18, 30)) == 0


# -- What ----------------------------------------------------------------------------------------

NUMBERS = ["901111111", "902222222", "903333333", "904444444", "905555555"]


@pytest.fixture
def calls(pbx):
    """A day of calls on MONDAY and on the Monday before, some after 18:30, a few on Sunday."""
    rng = random.Random(20261207)
    made = []
    for day in (MONDAY, MONDAY - WEEK, MONDAY - dt.timedelta(days=1)):
        minutes = sorted(rng.sample(range(8 * 60, 22 * 60), 40 if day != MONDAY - WEEK else 25))
        for minute in minutes:
            number = rng.choice(NUMBERS)
            direction = rng.choice([Direction.INBOUND] * 4 + [Direction.OUTBOUND])
            status = rng.choice([CallStatus.ANSWERED] * 2 + [CallStatus.NO_ANSWER, CallStatus.BUSY])
            made.append(
                make_call(
                    pbx,
                    at(day, minute // 60, minute % 60),
                    direction=direction,
                    status=status,
                    external_number=number,
                    from_number=f"+998{number}",
                    from_name="<Ali & Co>" if number == NUMBERS[0] else "",
                    wait_seconds=rng.choice([5, 15, 30, 45]),
                )
            )
    return made


def expected_figures(calls, start, end) -> dict:
    """The digest's figures counted here, call by call."""
    inside = [c for c in calls if start <= c.started_at < end]
    inbound = [c for c in inside if c.direction == Direction.INBOUND]
    answered = [c for c in inbound if c.status == CallStatus.ANSWERED]
    missed = [c for c in inbound if c.status in MISSED_STATUSES]
    within = [c for c in answered if c.wait_seconds <= 20]
    not_called_back = set()
    for number in NUMBERS:
        own = [c for c in inbound if c.external_number == number]
        if not own or own[-1].status not in MISSED_STATUSES:
            continue
        last = own[-1]
        answered_since = [
            c for c in calls
            if c.external_number == number and c.started_at > last.started_at
            and c.status == CallStatus.ANSWERED
        ]  # fmt: skip
        if not answered_since:
            not_called_back.add(number)
    hours = Counter(c.started_at.astimezone(TASHKENT).hour for c in inbound)
    per_number = Counter(c.external_number for c in inbound)
    return {
        "inbound": len(inbound),
        "answered": len(answered),
        "missed": len(missed),
        "outbound": len([c for c in inside if c.direction == Direction.OUTBOUND]),
        "service_level": f"{100 * len(within) / len(inbound):.0f}%",
        "not_called_back": not_called_back,
        "busiest": sorted(hours.items(), key=lambda item: (-item[1], item[0]))[:3],
        "callers": {number: n for number, n in per_number.items() if n >= 2},
    }


def change(now: int, before: int) -> str:
    return f"{now - before:+d}" if now != before else "±0"


def test_the_daily_digest_has_the_days_figures_against_a_week_before(daily, calls, telegram_api):
    due.send_due(at(MONDAY, 18, 31))
    outbox.deliver_due(at(MONDAY, 18, 31))

    (text,) = telegram_api.texts_to(CHAT_ID)
    now = expected_figures(calls, at(MONDAY, 0), at(MONDAY, 18, 30))
    before = expected_figures(calls, at(MONDAY - WEEK, 0), at(MONDAY - WEEK, 18, 30))
    assert text.startswith("<b>Daily digest: 07.12.2026, until 18:30</b>")
    for label, key in (("Inbound calls", "inbound"), ("Answered", "answered"),
                       ("Missed", "missed"), ("Outbound calls", "outbound")):  # fmt: skip
        assert (
            f"{label}: {now[key]} (a week before: {before[key]}, {change(now[key], before[key])})"
            in text
        )
    assert (
        f"Service level: {now['service_level']} (a week before: {before['service_level']}" in text
    )
    assert f"Missed and not called back: {len(now['not_called_back'])}</b>" in text
    for number in now["not_called_back"]:
        assert number in text.split("Missed and not called back")[1].split("Busiest")[0]
    for hour, count in now["busiest"]:
        assert f"• {hour:02d}:00\u2013{hour + 1:02d}:00: {count} calls" in text
    top = text.split("Top callers</b>")[1]
    assert len(top.strip().splitlines()) == min(5, len(now["callers"]))
    for line in top.strip().splitlines():
        number = line.removeprefix("• ").split(":")[0]
        assert f"{number}: {now['callers'][number]} calls" in line
    # Telegram HTML: the caller's name is escaped.
    if NUMBERS[0] in now["not_called_back"]:
        assert "(&lt;Ali &amp; Co&gt;)" in text
    assert "<Ali" not in text


def test_the_digest_is_in_the_recipients_language(daily, calls, telegram_api, supervisor):
    Recipient.objects.filter(user=supervisor).update(language="ru")
    due.send_due(at(MONDAY, 18, 30))
    outbox.deliver_due(at(MONDAY, 18, 30))

    (text,) = telegram_api.texts_to(CHAT_ID)
    assert "Daily digest" not in text and "Inbound calls" not in text


def parts(envelope):
    message = email.message_from_bytes(envelope.content)
    found = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        found[part.get_filename() or part.get_content_type()] = part.get_payload(decode=True)
    return found


def test_the_e_mail_has_text_html_and_the_days_calls_as_xlsx(
    make_rule, supervisor, calls, smtp_server
):
    mail = Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")
    rule = make_rule(Rule.Kind.DAILY_DIGEST, [mail], [supervisor], digest_time=dt.time(20))
    Rule.objects.filter(pk=rule.pk).update(enabled_at=at(MONDAY, 9))

    due.send_due(at(MONDAY, 20, 5))
    outbox.deliver_due(at(MONDAY, 20, 5))

    (envelope,) = smtp_server.messages
    found = parts(envelope)
    assert set(found) == {"text/plain", "text/html", "calls-2026-12-07.xlsx"}
    now = expected_figures(calls, at(MONDAY, 0), at(MONDAY, 20))
    text = found["text/plain"].decode()
    assert f"Inbound calls: {now['inbound']} (" in text
    assert "The calls of the period are attached (XLSX)." in text
    html = found["text/html"].decode()
    assert "<table" in html and f"<b>{now['inbound']}</b>" in html
    assert "&lt;Ali &amp; Co&gt;" in html or NUMBERS[0] not in now["not_called_back"]

    sheet = openpyxl.load_workbook(io.BytesIO(found["calls-2026-12-07.xlsx"])).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    day_calls = [c for c in calls if at(MONDAY, 0) <= c.started_at < at(MONDAY, 20)]
    assert len(rows) == len(day_calls)
    started = sorted(row[0] for row in rows)
    assert started == sorted(
        c.started_at.astimezone(TASHKENT).replace(tzinfo=None) for c in day_calls
    )


def test_an_operator_gets_the_figures_of_their_own_calls(make_rule, bot, calls, pbx, telegram_api):
    from alerts.models import TelegramChat

    operator = make_user("olga", Role.OPERATOR, extensions="102", pbx=pbx)
    Recipient.objects.create(user=operator, language="en")
    TelegramChat.objects.create(channel=bot, chat_id=42, user=operator)
    make_call(pbx, at(MONDAY, 10), extension="102", to_number="102", external_number=NUMBERS[1])
    rule = make_rule(Rule.Kind.DAILY_DIGEST, [bot], [operator])
    Rule.objects.filter(pk=rule.pk).update(enabled_at=at(MONDAY, 9))

    due.send_due(at(MONDAY, 18, 30))
    outbox.deliver_due(at(MONDAY, 18, 30))

    (text,) = telegram_api.texts_to(42)
    assert "Inbound calls: 1 (a week before: 0, +1)" in text


def test_a_digest_rule_is_set_in_settings(administrator_client, supervisor):
    from django.urls import reverse

    mail = Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")
    page = administrator_client.get(reverse("notification_rule_edit", args=["weekly_digest"]))
    assert page.context["form"].initial["digest_time"] == dt.time(9)

    response = administrator_client.post(
        reverse("notification_rule_edit", args=["weekly_digest"]),
        {"enabled": "on", "channels": [mail.pk], "recipients": [supervisor.pk],
         "digest_weekday": "5", "digest_time": "17:00"},
    )  # fmt: skip

    assert response.status_code == 302
    rule = Rule.objects.get(kind="weekly_digest")
    assert (rule.enabled, rule.digest_weekday, rule.digest_time) == (True, 5, dt.time(17))
    assert rule.enabled_at is not None


def test_a_webhook_gets_the_span_and_the_figures_over_all_calls(make_rule, calls, webhook_receiver):
    import json

    hook = Channel.objects.create(
        kind=Channel.Kind.WEBHOOK, name="CRM", webhook_url=webhook_receiver.url,
        webhook_secret="shared-secret",
    )  # fmt: skip
    rule = make_rule(Rule.Kind.DAILY_DIGEST, [hook], [])
    Rule.objects.filter(pk=rule.pk).update(enabled_at=at(MONDAY, 9))

    due.send_due(at(MONDAY, 18, 30))
    outbox.deliver_due(at(MONDAY, 18, 30))

    (received,) = webhook_receiver.received
    body = json.loads(received.body)
    now = expected_figures(calls, at(MONDAY, 0), at(MONDAY, 18, 30))
    assert (body["id"], body["event"]) == ("daily_digest:2026-12-07", "daily_digest")
    assert body["data"]["end"] == at(MONDAY, 18, 30).isoformat()
    figures = body["data"]["figures"]
    assert figures["current"]["inbound"] == now["inbound"]
    assert figures["missed_not_called_back"] == len(now["not_called_back"])
    assert [hour for hour, _count in figures["busiest_hours"]] == [h for h, _n in now["busiest"]]


def test_a_period_with_too_many_calls_says_so_instead_of_attaching(
    make_rule, supervisor, calls, smtp_server, settings
):
    settings.DIGEST_ATTACHMENT_MAX_ROWS = 3
    mail = Channel.objects.create(kind=Channel.Kind.EMAIL, name="Mail")
    rule = make_rule(Rule.Kind.DAILY_DIGEST, [mail], [supervisor])
    Rule.objects.filter(pk=rule.pk).update(enabled_at=at(MONDAY, 9))

    due.send_due(at(MONDAY, 18, 30))
    outbox.deliver_due(at(MONDAY, 18, 30))

    found = parts(smtp_server.messages[0])
    assert set(found) == {"text/plain", "text/html"}
    assert "too many calls to attach" in found["text/plain"].decode()
