"""The service level of the last hour drops below the target: one message when it does, one when
it recovers.

Per PBX, over the inbound calls that started in the last `WINDOW` (a rolling hour): the share
answered within settings.SERVICE_LEVEL_SECONDS, as on the dashboard (`monitoring.kpis`). An
incident opens only in working hours and only when the hour has at least `min_calls` inbound
calls (fewer say nothing about the level). It is resolved at once when the level is back above the
target by `margin_percent` points, otherwise after `recovery_minutes` of not being below it
(at or above the target, too few calls to measure, or working hours over) — a level that wobbles
around the target is one incident, not a message per minute. Supervisors and administrators only.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from alerts.models import Rule
from alerts.rules import incidents
from alerts.rules.incidents import Reading
from monitoring.callbacks.hours import Calendar
from monitoring.kpis import ANSWERED
from monitoring.models import Call, Direction
from providers.models import PbxConnection

WINDOW = timedelta(hours=1)


def hour_figures(now: datetime) -> dict[int, tuple[int, int]]:
    """Per PBX id: (inbound calls, of them answered within the service level) in the last hour."""
    rows = (
        Call.objects.filter(
            started_at__gte=now - WINDOW, started_at__lt=now, direction=Direction.INBOUND
        )
        .values("pbx_id")
        .annotate(
            inbound=Count("id"),
            within=Count(
                "id", filter=ANSWERED & Q(wait_seconds__lte=settings.SERVICE_LEVEL_SECONDS)
            ),
        )
        .order_by()
    )
    return {row["pbx_id"]: (row["inbound"], row["within"]) for row in rows}


def reading(rule: Rule, inbound: int, within: int, working: bool, pbx: str) -> Reading:
    measured = inbound >= rule.min_calls
    level = round(100 * within / inbound, 1) if measured else None
    params = {
        "pbx": pbx,
        "level": level,
        "inbound": inbound,
        "within": within,
        "target": rule.target_percent,
        "seconds": settings.SERVICE_LEVEL_SECONDS,
    }
    red = working and measured and level < rule.target_percent
    fixed = measured and level >= rule.target_percent + rule.margin_percent
    return Reading(red=red, params=params, fixed=fixed)


def evaluate(rule: Rule, now: datetime) -> int:
    figures = hour_figures(now)
    working = Calendar.load().is_open(now)
    open_now = incidents.open_incidents(rule)
    readings = {}
    for pbx in PbxConnection.objects.filter(enabled=True).only("pk", "name"):
        key = f"pbx{pbx.pk}"
        inbound, within = figures.get(pbx.pk, (0, 0))
        readings[key] = reading(rule, inbound, within, working, pbx.name)
    return incidents.track(
        rule,
        now,
        readings,
        recovery=timedelta(minutes=rule.recovery_minutes),
        opened="service_level_low",
        resolved="service_level_ok",
        incidents=open_now,
    )
