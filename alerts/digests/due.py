"""Whether a digest is due, and queueing it in the outbox."""

from datetime import datetime

from django.utils import timezone

from alerts import outbox
from alerts.digests import schedule
from alerts.models import Rule


def evaluate(rule: Rule, now: datetime) -> int:
    """Queue the rule's digest if it is due; returns how many rows are new."""
    moment = schedule.due_moment(rule, now)
    if moment is None or (rule.checked_until and rule.checked_until >= moment):
        return 0
    params = schedule.span(rule.kind, moment).params()
    queued = outbox.enqueue(rule, rule.kind, schedule.event_key(rule.kind, moment), params, now)
    # Only spares the next ticks the look: the event key is what keeps the digest single.
    Rule.objects.filter(pk=rule.pk).update(checked_until=moment)
    return queued


def send_due(now: datetime | None = None) -> int:
    """Queue every switched-on digest that is due; returns how many rows are new."""
    now = now or timezone.now()
    rules = Rule.objects.filter(enabled=True, kind__in=schedule.KINDS)
    return sum(evaluate(rule, now) for rule in rules)
