"""Who is calling, over all calls, from ``InboundCall``: the same figures as
``callers.figures`` in two passes over the period's rows, whatever the length of the history.

Each row carries the start of its number's previous inbound call (``previous_at``), so:

- a number's first call of the period is the one whose previous call is before the period (or
  none): counting those counts the period's callers, per origin as well;
- a caller is new when that call has no previous call at all;
- a call of the period is repeated when its number's next call comes within REPEAT_WINDOW, that
  is when some call up to REPEAT_WINDOW after the period's end has it as its previous call
  (every call is the previous call of at most one). Calls in the same second are ordered by id,
  as the reference does.
"""

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Max, Q, Value

from monitoring.analytics.callers import (
    REPEAT_WINDOW,
    WORST_SHOWN,
    Figures,
    OriginRow,
    Repeater,
    Repeats,
    Returning,
)
from monitoring.analytics.models import InboundCall
from monitoring.periods import Period


def figures(period: Period) -> Figures:
    origins, returning, repeats = _origins_and_totals(period)
    return Figures(origins, returning, repeats, worst_repeaters(period))


def _origins_and_totals(period: Period) -> tuple[list[OriginRow], Returning, Repeats]:
    start, end = period.start, period.end
    in_period = Q(started_at__lt=end)
    numbered = in_period & ~Q(number="")
    first = numbered & (Q(previous_at__isnull=True) | Q(previous_at__lt=start))
    window_end = ExpressionWrapper(
        F("previous_at") + Value(REPEAT_WINDOW), output_field=DateTimeField()
    )
    repeat = Q(previous_at__gte=start, previous_at__lt=end, started_at__lte=window_end)
    rows = (
        InboundCall.objects.filter(started_at__gte=start, started_at__lt=end + REPEAT_WINDOW)
        .values("origin")
        .order_by()
        .annotate(
            calls=Count("pk", filter=in_period),
            missed=Count("pk", filter=in_period & Q(missed=True)),
            callers=Count("pk", filter=first),
            new=Count("pk", filter=first & Q(previous_at__isnull=True)),
            numbered=Count("pk", filter=numbered),
            repeated=Count("pk", filter=repeat),
        )
    )
    origins: list[OriginRow] = []
    returning, repeats = Returning(), Repeats()
    for row in rows:
        returning.callers += row["callers"]
        returning.new += row["new"]
        repeats.calls += row["numbered"]
        repeats.repeated += row["repeated"]
        if not row["calls"]:
            continue  # only calls after the period, followers of its calls
        origins.append(OriginRow(row["origin"], row["calls"], row["callers"], row["missed"]))
    origins.sort(key=lambda row: (-row.calls, row.code))
    return origins, returning, repeats


def worst_repeaters(period: Period, first: int = WORST_SHOWN) -> list[Repeater]:
    rows = (
        InboundCall.objects.filter(started_at__gte=period.start, started_at__lt=period.end)
        .exclude(number="")
        .values("number")
        .order_by()
        .annotate(
            calls=Count("pk"), missed=Count("pk", filter=Q(missed=True)), last=Max("started_at")
        )
        .filter(calls__gte=2)
        .order_by("-calls", "-last", "number")[:first]
    )
    return [Repeater(row["number"], row["calls"], row["missed"], row["last"]) for row in rows]
