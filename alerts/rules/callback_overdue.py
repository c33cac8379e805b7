"""A callback still open `overdue_minutes` after the missed call, counted on the callback clock
(the working hours and calendar, `monitoring.callbacks.hours`; the wall clock when
CALLBACK_BUSINESS_HOURS_ONLY is off): one message per callback, none once it is closed.

A claimed callback that is not closed still counts as open — the customer is still waiting — and
the message says who has it (an operator who owns it receives it; see alerts.audience).

A callback is overdue once its clock has run `overdue_minutes`: when the clock started at or
before `Clock.started_by(now, …)` (working time counted backwards from now). So each evaluation
reads, through the (state, clock_starts_at) index, only the open callbacks whose clocks started
between the previous evaluation's bound (`Rule.checked_until`, less `LATE` for calls a late sync
stores afterwards) and this one's. Callbacks already overdue when the rule was switched on are
not told; before its first evaluation it looks back at most `LOOK_BACK`.
"""

from datetime import datetime, timedelta

from alerts import outbox
from alerts.models import Notification, Rule
from monitoring.callbacks.hours import Clock
from monitoring.models import Callback, CallbackState

# How late a missed call may be stored and still be looked at (the missed-call rule's news window).
LATE = timedelta(hours=2)
# How far back an evaluation looks at most, when the rule has not run for a long time.
LOOK_BACK = timedelta(days=14)


def params_of(callback: Callback, minutes: int) -> dict:
    owner = callback.owner
    return {
        "number": callback.number,
        "name": callback.name,
        "attempts": callback.attempts,
        "first_missed_at": callback.first_missed_at.isoformat(),
        "minutes": minutes,
        "owner": (owner.get_full_name() or owner.get_username()) if owner else "",
        "owner_id": callback.owner_id,
        "tries": callback.tries,
        "pbx": callback.pbx.name,
        "callback_id": callback.pk,
        "call_id": callback.first_call_id,
    }


def evaluate(rule: Rule, now: datetime) -> int:
    seconds = rule.overdue_minutes * 60
    clock = Clock()
    # Overdue now: the clock started at or before this; overdue already when switched on: before
    # that one.
    due_until = clock.started_by(now, seconds)
    told_before = clock.started_by(rule.enabled_at or now, seconds)
    mark = rule.checked_until
    since = max(told_before, mark - LATE if mark else now - LOOK_BACK)
    due = Callback.objects.filter(
        state=CallbackState.OPEN, clock_starts_at__gt=since, clock_starts_at__lte=due_until
    ).values_list("pk", flat=True)
    keys = {pk: f"callback_overdue:{pk}" for pk in due}
    told = set(
        Notification.objects.filter(event_key__in=keys.values()).values_list("event_key", flat=True)
    )
    news = Callback.objects.filter(pk__in=[pk for pk, key in keys.items() if key not in told])
    queued = 0
    for callback in news.select_related("pbx", "owner").order_by("clock_starts_at", "id"):
        params = params_of(callback, rule.overdue_minutes)
        queued += outbox.enqueue(rule, "callback_overdue", keys[callback.pk], params, now)
    Rule.objects.filter(pk=rule.pk).update(checked_until=max(due_until, mark or due_until))
    return queued
