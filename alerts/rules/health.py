"""The product itself is unhealthy: the System health page's red rows, pushed once when a row
turns red and once when it has been green for RECOVERY (hysteresis: a row that flickers does
not send a message per poll)."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import translation

from alerts import outbox
from alerts.models import Incident, Language, Rule
from monitoring import health

RECOVERY = timedelta(minutes=2)


def red_rows(now: datetime) -> dict[str, dict]:
    """The red rows of the health page by a stable key, with their words in the active
    language."""
    rows = {}
    for pbx_health in health.pbx_health(now):
        for check in pbx_health.checks:
            if check.ok is False:
                rows[f"pbx{pbx_health.pbx.pk}:{check.key}"] = {
                    "pbx": pbx_health.pbx.name,
                    "check": check,
                }
    for check in health.system_checks(now):
        if check.ok is False:
            rows[f"system:{check.key}"] = {"pbx": "", "check": check}
    return rows


def in_every_language(now: datetime, keys) -> dict[str, dict]:
    """The words of the given rows in each language (read again for each: rare, only when an
    incident starts)."""
    words: dict[str, dict] = {key: {"label": {}, "reason": {}, "action": {}} for key in keys}
    for language in Language.values:
        with translation.override(language):
            rows = red_rows(now)
        for key in keys:
            if key in rows:
                check = rows[key]["check"]
                words[key]["label"][language] = str(check.label)
                words[key]["reason"][language] = str(check.reason)
                words[key]["action"][language] = str(check.action)
    return words


def evaluate(rule: Rule, now: datetime) -> int:
    red = red_rows(now)
    open_incidents = {
        incident.key: incident
        for incident in Incident.objects.filter(rule=rule.kind, resolved_at__isnull=True)
    }
    queued = 0
    started = [key for key in red if key not in open_incidents]
    words = in_every_language(now, started) if started else {}
    for key in started:
        params = {
            "pbx": red[key]["pbx"],
            "opened_at": now.isoformat(),
            **words[key],
        }
        try:
            with transaction.atomic():
                incident = Incident.objects.create(
                    rule=rule.kind, key=key, params=params, opened_at=now
                )
        except IntegrityError:
            continue  # another worker opened it at the same moment
        queued += outbox.enqueue(rule, "unhealthy", f"unhealthy:{incident.pk}:opened", params)
    for key, incident in open_incidents.items():
        if key in red:
            if incident.green_since:
                Incident.objects.filter(pk=incident.pk).update(green_since=None)
            continue
        if incident.green_since is None:
            Incident.objects.filter(pk=incident.pk).update(green_since=now)
            continue
        if now - incident.green_since < RECOVERY:
            continue
        resolved = Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(
            resolved_at=now
        )
        if resolved:
            params = {**incident.params, "resolved_at": now.isoformat()}
            queued += outbox.enqueue(rule, "recovered", f"unhealthy:{incident.pk}:resolved", params)
    return queued
