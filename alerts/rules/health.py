"""The product itself is unhealthy: the System health page's red rows, pushed once when a row
turns red and once when it has been green for RECOVERY (hysteresis: a row that flickers does
not send a message per poll)."""

from datetime import datetime, timedelta

from django.utils import translation

from alerts.models import Language, Rule
from alerts.rules import incidents
from alerts.rules.incidents import Reading
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
    readings = {
        key: Reading(red=True, params={"pbx": row["pbx"]}) for key, row in red_rows(now).items()
    }
    return incidents.track(
        rule,
        now,
        readings,
        recovery=RECOVERY,
        opened="unhealthy",
        resolved="recovered",
        describe=lambda keys: in_every_language(now, keys),
    )
