"""A missed inbound call in business hours (the call center's working hours and calendar,
`monitoring.callbacks.hours`): the number, the caller's name if known, how many times the number
called today, the line called."""

from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from alerts import outbox
from alerts.models import Rule
from monitoring.callbacks.hours import Calendar
from monitoring.models import MISSED_STATUSES, Call, Direction

# Calls older than this are history, not news, however late the sync stored them.
NEWS_WINDOW = timedelta(hours=2)


def attempts_today(call: Call) -> int:
    """Inbound calls from the same number on the call's local day, up to and including it."""
    if not call.external_number:
        return 1
    local = timezone.localtime(call.started_at)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return Call.objects.filter(
        pbx_id=call.pbx_id,
        direction=Direction.INBOUND,
        external_number=call.external_number,
        started_at__gte=day_start,
        started_at__lte=call.started_at,
    ).count()


def params_of(call: Call) -> dict:
    return {
        "number": call.from_number,
        "name": call.from_name,
        "attempts": attempts_today(call),
        "line": call.to_number or call.extension,
        "line_name": call.to_name,
        "pbx": call.pbx.name,
        "started_at": call.started_at.isoformat(),
        "call_id": call.pk,
    }


def evaluate(rule: Rule, now: datetime) -> int:
    """Queue a notification for each missed call stored since the last look."""
    since = rule.checked_until or rule.enabled_at or now
    calls = (
        Call.objects.filter(
            direction=Direction.INBOUND,
            status__in=MISSED_STATUSES,
            first_seen_at__gt=since,
            first_seen_at__lte=now,
            started_at__gte=max(rule.enabled_at or now, now - NEWS_WINDOW),
            started_at__lte=now,
        )
        .select_related("pbx")
        .order_by("first_seen_at", "id")
    )
    queued = 0
    calendar = None
    for call in calls:
        calendar = calendar or Calendar.load()
        if calendar.is_open(call.started_at):
            key = f"missed_call:{call.pk}"
            queued += outbox.enqueue(rule, "missed_call", key, params_of(call), now)
    newest = calls.aggregate(newest=Max("first_seen_at"))["newest"]
    Rule.objects.filter(pk=rule.pk).update(checked_until=max(newest or since, since))
    return queued
