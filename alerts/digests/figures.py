"""A digest's figures, read through the monitoring's public functions (kpis, the heatmap, the
callers), over the calls the recipient may see."""

from dataclasses import asdict, dataclass, field

from django.db.models import QuerySet

from accounts.roles import calls_visible_to
from alerts.digests.schedule import Span, period
from monitoring import kpis
from monitoring.analytics.callers import worst_repeaters
from monitoring.analytics.heatmap import heatmap
from monitoring.models import Call
from monitoring.rollups import figures as rollups

LISTED = 5  # missed numbers and top callers shown
BUSIEST = 3  # busiest hours shown


@dataclass
class Totals:
    inbound: int
    answered: int
    missed: int
    outbound: int
    service_level: float | None
    average_wait: float | None


@dataclass
class Figures:
    current: Totals
    previous: Totals
    missed_not_called_back: int
    # (number, name, last missed at), most recent first.
    missed_numbers: list[tuple] = field(default_factory=list)
    # (hour 0-23, inbound calls), busiest first.
    busiest_hours: list[tuple] = field(default_factory=list)
    # (number, calls, missed), most first: the numbers that called twice or more.
    top_callers: list[tuple] = field(default_factory=list)

    def as_data(self) -> dict:
        """JSON-ready (a webhook's payload)."""
        data = asdict(self)
        data["missed_numbers"] = [[n, name, at.isoformat()] for n, name, at in self.missed_numbers]
        return data


def visible_calls(user) -> QuerySet:
    """The calls the recipient may see (None, a webhook: all)."""
    calls = Call.objects.all()
    return calls if user is None else calls_visible_to(user, calls)


def _totals(summary: kpis.Summary) -> Totals:
    return Totals(
        inbound=summary.inbound,
        answered=summary.inbound_answered,
        missed=summary.inbound_missed,
        outbound=summary.outbound,
        service_level=summary.service_level,
        average_wait=summary.average_wait,
    )


def figures(span: Span, user=None) -> Figures:
    calls = visible_calls(user)
    current = period(span.start, span.end)
    previous = period(span.previous_start, span.previous_end)
    count, missed = kpis.missed_not_called_back_first(current, calls, first=LISTED)
    per_hour = [0] * 24
    for row in heatmap(current, calls).cells.values():
        for hour, cell in row.items():
            per_hour[hour] += cell.offered
    busiest = sorted(((h, n) for h, n in enumerate(per_hour) if n), key=lambda x: (-x[1], x[0]))
    return Figures(
        current=_totals(rollups.summary(current, calls)),
        previous=_totals(rollups.summary(previous, calls)),
        missed_not_called_back=count,
        missed_numbers=[(m.number, m.name, m.last_missed_at) for m in missed],
        busiest_hours=busiest[:BUSIEST],
        top_callers=[
            (r.number, r.calls, r.missed) for r in worst_repeaters(current, calls, LISTED)
        ],
    )
