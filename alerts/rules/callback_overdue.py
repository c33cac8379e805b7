"""A callback still open `overdue_minutes` after the missed call, counted on the callback clock
(the working hours and calendar, `monitoring.callbacks.hours`; the wall clock when
CALLBACK_BUSINESS_HOURS_ONLY is off): one message per callback, none once it is closed.

A claimed callback that is not closed still counts as open — the customer is still waiting — and
the message says who has it (an operator who owns it receives it; see alerts.audience).

Callbacks become overdue in the order their clocks started, so the rule keeps a mark
(`Rule.checked_until`): every callback whose clock started before it has been decided. Each
evaluation reads only the open callbacks from a little before the mark (`LATE`, for calls a late
sync stores afterwards; the first one after the rule is switched on looks back `FIRST_LOOK`) up
to `overdue_minutes` ago (the wall-clock bound: working minutes never
run faster), through the (state, clock_starts_at) index.
"""

from datetime import datetime, timedelta

from alerts import outbox
from alerts.audience import About
from alerts.models import Notification, Rule
from monitoring.callbacks.hours import Clock
from monitoring.models import Callback, CallbackState

# How late a missed call may be stored and still be looked at (the missed-call rule's news window).
LATE = timedelta(hours=2)
# When the rule is switched on, how far back it looks for open callbacks not yet overdue (one
# missed on Friday evening is overdue on Monday morning, after a holiday even later).
FIRST_LOOK = timedelta(days=14)


def event_key(callback: Callback) -> str:
    return f"callback_overdue:{callback.pk}"


def params_of(callback: Callback, minutes: int) -> dict:
    owner = callback.owner
    return {
        "number": callback.number,
        "name": callback.name,
        "attempts": callback.attempts,
        "first_missed_at": callback.first_missed_at.isoformat(),
        "minutes": minutes,
        "owner": (owner.get_full_name() or owner.get_username()) if owner else "",
        "tries": callback.tries,
        "pbx": callback.pbx.name,
        "callback_id": callback.pk,
        "call_id": callback.first_call_id,
    }


def evaluate(rule: Rule, now: datetime) -> int:
    threshold = timedelta(minutes=rule.overdue_minutes)
    enabled_at = rule.enabled_at or now
    mark = rule.checked_until
    since = mark - LATE if mark else enabled_at - FIRST_LOOK
    candidates = list(
        Callback.objects.filter(
            state=CallbackState.OPEN,
            clock_starts_at__gte=since,
            clock_starts_at__lte=now - threshold,
        )
        .select_related("pbx", "owner")
        .order_by("clock_starts_at", "id")
    )
    sent = set(
        Notification.objects.filter(
            event_key__in=[event_key(callback) for callback in candidates]
        ).values_list("event_key", flat=True)
    )
    clock = Clock()
    seconds = threshold.total_seconds()
    queued = 0
    new_mark = now - threshold
    for callback in candidates:
        if clock.seconds(callback.clock_starts_at, now) < seconds:
            # Not overdue yet (hours closed since it started); neither is any later one.
            new_mark = min(new_mark, callback.clock_starts_at)
            break
        key = event_key(callback)
        if key in sent or clock.seconds(callback.clock_starts_at, enabled_at) >= seconds:
            continue  # told already, or overdue before the rule was switched on
        about = About(call_id=callback.first_call_id, callback=True, owner_id=callback.owner_id)
        params = params_of(callback, rule.overdue_minutes)
        queued += outbox.enqueue(rule, "callback_overdue", key, params, now, about=about)
    Rule.objects.filter(pk=rule.pk).update(checked_until=max(new_mark, mark or new_mark))
    return queued
