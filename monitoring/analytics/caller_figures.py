"""Who is calling, over all calls, from ``InboundCall``: the same figures as
``callers.figures`` in one pass over the period's rows, whatever the length of the history.

Each row carries the start of its number's previous inbound call (``previous_at``), so:

- a number's first call of the period is the one whose previous call is before the period (or
  none): counting those counts the period's callers, per origin as well;
- a caller is new when that call has no previous call at all;
- a call of the period is repeated when its number's next call comes within REPEAT_WINDOW, that
  is when some call up to REPEAT_WINDOW after the period's end has it as its previous call
  (every call is the previous call of at most one). Calls in the same second are ordered by id,
  as the reference does.

The rows are summed per number once (``_per_number``); one statement then adds those up per
origin and picks the numbers that called most.
"""

from datetime import UTC, datetime

from django.db import connection
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Max, Q, Value
from django.utils.dateparse import parse_datetime

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

ORIGINS, WORST = 0, 1
# Over the per-number sums: a row per origin, then the numbers that called most (twice or more).
_FIGURES = (
    "WITH per AS ({per_number}) "  # noqa: S608 - the text is the ORM's, its values parameters
    f"SELECT {ORIGINS}, origin, SUM(calls), SUM(missed), SUM(callers), SUM(new), SUM(numbered), "
    "SUM(repeated), NULL FROM per GROUP BY origin "
    f"UNION ALL SELECT * FROM (SELECT {WORST}, number, calls, missed, 0, 0, 0, 0, last "
    "FROM per WHERE number <> '' AND calls >= 2 "
    "ORDER BY calls DESC, last DESC, number LIMIT %s) AS worst"
)


def _per_number(period: Period):
    start, end = period.start, period.end
    in_period = Q(started_at__lt=end)
    numbered = in_period & ~Q(number="")
    first = numbered & (Q(previous_at__isnull=True) | Q(previous_at__lt=start))
    window_end = ExpressionWrapper(
        F("previous_at") + Value(REPEAT_WINDOW), output_field=DateTimeField()
    )
    repeat = Q(previous_at__gte=start, previous_at__lt=end, started_at__lte=window_end)
    # Every column read is in the index inbound_started: PostgreSQL reads the range from it alone.
    return (
        InboundCall.objects.filter(started_at__gte=start, started_at__lt=end + REPEAT_WINDOW)
        .values("number", "origin")
        .order_by()
        .annotate(
            calls=Count("started_at", filter=in_period),
            missed=Count("started_at", filter=in_period & Q(missed=True)),
            callers=Count("started_at", filter=first),
            new=Count("started_at", filter=first & Q(previous_at__isnull=True)),
            numbered=Count("started_at", filter=numbered),
            repeated=Count("started_at", filter=repeat),
            last=Max("started_at", filter=in_period),
        )
    )


def figures(period: Period, first: int = WORST_SHOWN) -> Figures:
    per_number, params = _per_number(period).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_FIGURES.format(per_number=per_number), [*params, first])
        rows = cursor.fetchall()
    origins, worst = [], []
    returning, repeats = Returning(), Repeats()
    for part, name, calls, missed, callers, new, numbered, repeated, last in rows:
        calls, missed = int(calls), int(missed)
        if part == WORST:
            worst.append(Repeater(name, calls, missed, _moment(last)))
            continue
        returning.callers += int(callers)
        returning.new += int(new)
        repeats.calls += int(numbered)
        repeats.repeated += int(repeated)
        if calls:  # an origin with calls after the period only (followers of its calls) is not
            origins.append(OriginRow(name, calls, int(callers), missed))
    origins.sort(key=lambda row: (-row.calls, row.code))
    worst.sort(key=lambda row: (-row.calls, -row.last_call_at.timestamp(), row.number))
    return Figures(origins, returning, repeats, worst)


def _moment(value) -> datetime:
    """A start as the database returns it (SQLite: text in UTC)."""
    if isinstance(value, datetime):
        return value
    return parse_datetime(value).replace(tzinfo=UTC)
