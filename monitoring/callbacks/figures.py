"""Time to callback: the figures supervisors are judged on, read from the callbacks alone.

For the callbacks whose first missed call falls in the period (an index range on the callbacks
table; no call is read):
- service level: those called back (an answered call out to the number, or an operator's
  "reached") within settings.CALLBACK_SERVICE_LEVEL_MINUTES on the callback clock, divided by all
  of them except the ones closed as "wrong number" or "not needed";
- median and 90th percentile of the time to callback, over those called back.
And, whatever the period: how many callbacks are open now, and how long the oldest has waited.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.db.models import Aggregate, Count, F, FloatField, Min, Q, QuerySet
from django.utils import timezone

from monitoring.callbacks.hours import Clock
from monitoring.models import (
    CALLED_BACK_RESOLUTIONS,
    DISMISSED_RESOLUTIONS,
    Callback,
    CallbackState,
)
from monitoring.periods import Period

CALLED_BACK = Q(resolution__in=CALLED_BACK_RESOLUTIONS)
COUNTED = ~Q(resolution__in=DISMISSED_RESOLUTIONS)


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile (linear interpolation, as `percentile` below)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(values: list, fraction: float) -> float | None:
    """The `fraction` percentile of sorted `values`, interpolated like PERCENTILE_CONT."""
    if not values:
        return None
    position = (len(values) - 1) * fraction
    below = int(position)
    above = min(below + 1, len(values) - 1)
    return values[below] + (values[above] - values[below]) * (position - below)


@dataclass
class Figures:
    minutes: int
    counted: int = 0
    within: int = 0
    called_back: int = 0
    median: float | None = None
    p90: float | None = None
    open: int = 0
    oldest_seconds: int | None = None

    @property
    def service_level(self) -> float | None:
        """Percent called back within the target; None without missed numbers."""
        if not self.counted:
            return None
        return 100 * self.within / self.counted


def callbacks_in(period: Period, callbacks: QuerySet | None = None) -> QuerySet:
    callbacks = Callback.objects.all() if callbacks is None else callbacks
    return callbacks.filter(first_missed_at__gte=period.start, first_missed_at__lt=period.end)


def _on_postgresql(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def figures(
    period: Period,
    callbacks: QuerySet | None = None,
    *,
    clock: Clock | None = None,
    now: datetime | None = None,
) -> Figures:
    """The period's time-to-callback figures, and the open callbacks now."""
    minutes = settings.CALLBACK_SERVICE_LEVEL_MINUTES
    result = Figures(minutes=minutes)
    base = Callback.objects.all() if callbacks is None else callbacks
    in_period = callbacks_in(period, base)
    within = CALLED_BACK & Q(clock_seconds__lte=minutes * 60)
    totals = {"counted": Count("id", filter=COUNTED), "within": Count("id", filter=within),
              "called_back": Count("id", filter=CALLED_BACK)}  # fmt: skip
    if _on_postgresql(in_period):
        row = in_period.aggregate(
            **totals,
            median=Percentile("clock_seconds", 0.5, filter=CALLED_BACK),
            p90=Percentile("clock_seconds", 0.9, filter=CALLED_BACK),
        )
    else:
        row = in_period.aggregate(**totals)
        times = sorted(in_period.filter(CALLED_BACK).values_list("clock_seconds", flat=True))
        row.update(median=percentile(times, 0.5), p90=percentile(times, 0.9))
    for name, value in row.items():
        setattr(result, name, value)
    open_now = base.filter(state=CallbackState.OPEN).aggregate(
        open=Count("id"), oldest=Min("clock_starts_at")
    )
    result.open = open_now["open"]
    if open_now["oldest"] is not None:
        clock = clock or Clock()
        result.oldest_seconds = clock.seconds(open_now["oldest"], now or timezone.now())
    return result


@dataclass
class AgentFigures:
    made: int
    median: float | None


def per_extension(period: Period, callbacks: QuerySet | None = None) -> dict[str, AgentFigures]:
    """Per extension: the callbacks it made in the period (its answered calls out closed them, or
    its operator recorded "reached") and their median time to callback."""
    made = (
        callbacks_in(period, callbacks)
        .filter(CALLED_BACK)
        .exclude(closed_by_extension="")
        .values("closed_by_extension")
        .order_by()
    )
    if _on_postgresql(made):
        rows = made.annotate(made=Count("id"), median=Percentile("clock_seconds", 0.5))
        return {
            row["closed_by_extension"]: AgentFigures(row["made"], row["median"]) for row in rows
        }
    times = defaultdict(list)
    for extension, seconds in made.values_list("closed_by_extension", F("clock_seconds")):
        times[extension].append(seconds)
    return {
        extension: AgentFigures(len(values), percentile(sorted(values), 0.5))
        for extension, values in times.items()
    }
