"""The rules: each looks at what happened and queues notifications in the outbox
(`alerts.outbox.enqueue`), at most once per event. The digests run on their own schedule
(`alerts.digests`)."""

from django.utils import timezone

from alerts.models import Rule
from alerts.rules import callback_overdue, health, missed_call, service_level, silence

EVALUATORS = {
    Rule.Kind.MISSED_CALL: missed_call.evaluate,
    Rule.Kind.UNHEALTHY: health.evaluate,
    Rule.Kind.CALLBACK_OVERDUE: callback_overdue.evaluate,
    Rule.Kind.SERVICE_LEVEL: service_level.evaluate,
    Rule.Kind.INBOUND_SILENCE: silence.evaluate,
}


def evaluate_all(now=None) -> int:
    """Run every switched-on rule; returns how many notifications were queued."""
    now = now or timezone.now()
    queued = 0
    for rule in Rule.objects.filter(enabled=True, kind__in=list(EVALUATORS)):
        queued += EVALUATORS[rule.kind](rule, now)
    return queued
