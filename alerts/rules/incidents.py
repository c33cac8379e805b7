"""Incidents with hysteresis, shared by the rules that report a state rather than an event (the
system's health, the service level, inbound silence): one message when a problem starts, one when
it ends, none per evaluation in between.

Each evaluation reads every watched key as a `Reading`: red (the problem is there), fixed (clearly
over: resolved at once) or neither (looks fine: resolved once that has lasted `recovery`). A key
the rule does not read counts as neither.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from alerts import outbox
from alerts.models import Incident, Rule


@dataclass
class Reading:
    red: bool
    # What the message says: when the incident opens, or (as "recovery") when it is resolved.
    params: dict = field(default_factory=dict)
    fixed: bool = False


def open_incidents(rule: Rule) -> dict[str, Incident]:
    return {
        incident.key: incident
        for incident in Incident.objects.filter(rule=rule.kind, resolved_at__isnull=True)
    }


def track(
    rule: Rule,
    now: datetime,
    readings: dict[str, Reading],
    *,
    recovery: timedelta,
    opened: str,
    resolved: str,
    describe=None,
    incidents: dict[str, Incident] | None = None,
) -> int:
    """Open, keep or resolve the rule's incidents after this evaluation's readings; queue the
    `opened` and `resolved` events (to supervisors and administrators). `describe(keys)` adds
    params to the incidents about to open. Returns how many notifications were queued."""
    incidents = open_incidents(rule) if incidents is None else incidents
    queued = 0
    started = [key for key, reading in readings.items() if reading.red and key not in incidents]
    extra = describe(started) if describe and started else {}
    for key in started:
        params = {**readings[key].params, **extra.get(key, {}), "opened_at": now.isoformat()}
        try:
            with transaction.atomic():
                incident = Incident.objects.create(
                    rule=rule.kind, key=key, params=params, opened_at=now
                )
        except IntegrityError:
            continue  # another worker opened it at the same moment
        queued += outbox.enqueue(rule, opened, f"{rule.kind}:{incident.pk}:opened", params, now)
    for key, incident in incidents.items():
        reading = readings.get(key, Reading(red=False))
        if reading.red:
            if incident.green_since:
                Incident.objects.filter(pk=incident.pk).update(green_since=None)
            continue
        if not reading.fixed:
            if incident.green_since is None:
                Incident.objects.filter(pk=incident.pk).update(green_since=now)
                continue
            if now - incident.green_since < recovery:
                continue
        done = Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(
            resolved_at=now
        )
        if done:
            params = {**incident.params, "resolved_at": now.isoformat()}
            if reading.params:
                params["recovery"] = reading.params
            event_key = f"{rule.kind}:{incident.pk}:resolved"
            queued += outbox.enqueue(rule, resolved, event_key, params, now)
    return queued
