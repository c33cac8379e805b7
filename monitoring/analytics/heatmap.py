"""The weekday-by-hour heatmap supervisors staff shifts from: inbound calls offered, missed,
service level and average wait per local weekday and hour (Asia/Tashkent by default) of a period.

From the hourly rollup where it answers exactly (monitoring.rollups.figures); from the calls, one
grouped query over the period's inbound calls; the weekday and the hour are taken in the local
zone by the database, so a call at 23:30 UTC on a Sunday counts on Monday at 04:00.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay

from monitoring.kpis import ANSWERED, INBOUND, MISSED, calls_in
from monitoring.periods import Period, local_zone

WEEKDAYS = range(1, 8)  # ISO: Monday 1 … Sunday 7
HOURS = range(24)


class Metric:
    OFFERED = "offered"
    MISSED = "missed"
    SERVICE_LEVEL = "service_level"
    AVERAGE_WAIT = "average_wait"
    ALL = (OFFERED, MISSED, SERVICE_LEVEL, AVERAGE_WAIT)


@dataclass
class Cell:
    offered: int = 0
    missed: int = 0
    answered: int = 0
    within_service_level: int = 0
    average_wait: float | None = None

    @property
    def service_level(self) -> float | None:
        """Percent of the inbound calls answered within the threshold; None without calls."""
        return 100 * self.within_service_level / self.offered if self.offered else None

    def value(self, metric: str):
        return getattr(self, metric)


@dataclass
class Heatmap:
    """cells[weekday][hour], every weekday (1-7) and hour (0-23) present."""

    cells: dict[int, dict[int, Cell]] = field(default_factory=dict)
    service_level_seconds: int = 20

    def highest(self, metric: str) -> float:
        values = [cell.value(metric) for row in self.cells.values() for cell in row.values()]
        return max((value for value in values if value is not None), default=0)


def empty_heatmap() -> Heatmap:
    return Heatmap(
        cells={day: {hour: Cell() for hour in HOURS} for day in WEEKDAYS},
        service_level_seconds=settings.SERVICE_LEVEL_SECONDS,
    )


def heatmap(period: Period, calls: QuerySet | None = None) -> Heatmap:
    """The period's heatmap, from the hourly rollup where it answers it exactly
    (monitoring.rollups.figures), else from the calls."""
    from monitoring.rollups import figures

    return figures.heatmap(period, calls)


def heatmap_from_calls(period: Period, calls: QuerySet | None = None) -> Heatmap:
    """The period's heatmap from its calls."""
    threshold = settings.SERVICE_LEVEL_SECONDS
    zone = local_zone()
    rows = (
        calls_in(period, calls)
        .filter(INBOUND)
        .annotate(
            weekday=ExtractIsoWeekDay("started_at", tzinfo=zone),
            hour=ExtractHour("started_at", tzinfo=zone),
        )
        .values("weekday", "hour")
        .order_by()
        .annotate(
            offered=Count("id"),
            missed=Count("id", filter=MISSED),
            answered=Count("id", filter=ANSWERED),
            within_service_level=Count("id", filter=ANSWERED & Q(wait_seconds__lte=threshold)),
            average_wait=Avg("wait_seconds", filter=ANSWERED),
        )
    )
    result = empty_heatmap()
    for row in rows:
        wait = row["average_wait"]
        result.cells[row["weekday"]][row["hour"]] = Cell(
            offered=row["offered"],
            missed=row["missed"],
            answered=row["answered"],
            within_service_level=row["within_service_level"],
            average_wait=None if wait is None else float(wait),
        )
    return result


LEVELS = 5


def intensity(metric: str, value, highest) -> int:
    """0 (nothing to colour) to LEVELS: how strongly a cell is coloured. Service level colours
    its shortfall from 100 %; the other figures their share of the period's highest cell."""
    if value is None:
        return 0
    if metric == Metric.SERVICE_LEVEL:
        return round((100 - value) / 100 * LEVELS)
    if not highest or not value:
        return 0
    return max(1, round(value / highest * LEVELS))
