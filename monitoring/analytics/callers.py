"""Who is calling: inbound callers by network and region, new and returning callers, the
repeat-call rate and the numbers that call most.

All over the period's inbound calls (`Call.external_number`, the national form of the caller's
number). Each query is bounded by the period on `started_at`; the look-backs and look-aheads for
one number use the (external_number, started_at) index.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Left, Length

from monitoring.analytics import prefixes
from monitoring.kpis import INBOUND, MISSED, calls_in
from monitoring.models import Call
from monitoring.periods import Period

# A caller who calls again within this time probably did not get what they needed the first time.
REPEAT_WINDOW = timedelta(hours=24)
WORST_SHOWN = 10


@dataclass
class OriginRow:
    code: str
    calls: int = 0
    callers: int = 0
    missed: int = 0

    @property
    def label(self) -> str:
        return prefixes.label(self.code)

    @property
    def kind(self) -> str:
        return prefixes.kind(self.code)


def _inbound(period: Period, calls: QuerySet | None) -> QuerySet:
    return calls_in(period, calls).filter(INBOUND)


def by_origin(period: Period, calls: QuerySet | None = None) -> list[OriginRow]:
    """Inbound calls, distinct callers and missed calls per origin, most calls first.

    Grouped in the database by the numbers' deciding head and length (a few dozen groups), each
    group classified once: a number's origin depends on nothing else.
    """
    rows = (
        _inbound(period, calls)
        .annotate(
            head=Left("external_number", prefixes.DECIDING_CHARACTERS),
            length=Length("external_number"),
        )
        .values("head", "length")
        .order_by()
        .annotate(
            calls=Count("id"),
            callers=Count("external_number", distinct=True),
            missed=Count("id", filter=MISSED),
        )
    )
    totals: dict[str, OriginRow] = {}
    for row in rows:
        code = prefixes.origin_of_head(row["head"] or "", row["length"] or 0)
        total = totals.setdefault(code, OriginRow(code))
        total.calls += row["calls"]
        # Groups split the numbers: each number is in one group only.
        total.callers += row["callers"] if code != "withheld" else 0
        total.missed += row["missed"]
    return sorted(totals.values(), key=lambda row: (-row.calls, row.code))


@dataclass
class Returning:
    callers: int = 0
    new: int = 0

    @property
    def returning(self) -> int:
        return self.callers - self.new


def new_and_returning(period: Period, calls: QuerySet | None = None) -> Returning:
    """The period's distinct callers, and how many of them had never called in before it."""
    history = Call.objects.all() if calls is None else calls
    earlier = history.filter(
        INBOUND, external_number=OuterRef("external_number"), started_at__lt=period.start
    )
    # One row per number (grouped, so the Exists is kept in the subquery the count reads).
    numbers = (
        _inbound(period, calls)
        .exclude(external_number="")
        .values("external_number")
        .order_by()
        .annotate(calls=Count("id"), called_before=Exists(earlier))
    )
    row = numbers.aggregate(
        callers=Count("external_number"),
        returning=Count("external_number", filter=Q(called_before=True)),
    )
    return Returning(callers=row["callers"], new=row["callers"] - row["returning"])


@dataclass
class Repeats:
    calls: int = 0  # inbound calls with a number
    repeated: int = 0  # of them, followed by another inbound call of the number within 24 h

    @property
    def rate(self) -> float | None:
        return 100 * self.repeated / self.calls if self.calls else None


def repeat_calls(period: Period, calls: QuerySet | None = None) -> Repeats:
    """How many of the period's inbound calls (with a number) the same number followed with
    another inbound call within REPEAT_WINDOW (a first-call-resolution proxy: lower is better).
    The next call may fall after the period's end."""
    history = Call.objects.all() if calls is None else calls
    window_end = ExpressionWrapper(
        OuterRef("started_at") + Value(REPEAT_WINDOW), output_field=DateTimeField()
    )
    later = Q(started_at__gt=OuterRef("started_at")) | Q(id__gt=OuterRef("id"))
    follower = history.filter(
        INBOUND,
        later,
        external_number=OuterRef("external_number"),
        started_at__gte=OuterRef("started_at"),
        started_at__lte=window_end,
    )
    row = (
        _inbound(period, calls)
        .exclude(external_number="")
        .annotate(followed=Exists(follower))
        .aggregate(calls=Count("id"), repeated=Count("id", filter=Q(followed=True)))
    )
    return Repeats(calls=row["calls"], repeated=row["repeated"])


@dataclass
class Repeater:
    number: str
    calls: int
    missed: int
    last_call_at: datetime

    @property
    def origin_label(self) -> str:
        return prefixes.label(prefixes.origin_of_national(self.number))


def worst_repeaters(
    period: Period, calls: QuerySet | None = None, first: int = WORST_SHOWN
) -> list[Repeater]:
    """The numbers that called in most often in the period (twice or more), most first."""
    rows = (
        _inbound(period, calls)
        .exclude(external_number="")
        .values("external_number")
        .order_by()
        .annotate(calls=Count("id"), missed=Count("id", filter=MISSED), last=Max("started_at"))
        .filter(calls__gte=2)
        .order_by("-calls", "-last", "external_number")[:first]
    )
    return [
        Repeater(row["external_number"], row["calls"], row["missed"], row["last"]) for row in rows
    ]


@dataclass
class Figures:
    """Everything the page shows for a period."""

    origins: list[OriginRow]
    returning: Returning
    repeats: Repeats
    repeaters: list[Repeater]


def figures(period: Period, calls: QuerySet | None = None) -> Figures:
    """The page's figures counted from the calls themselves: any subset of them (an operator's
    own), and the reference the faster ``caller_figures`` is tested against."""
    return Figures(
        origins=by_origin(period, calls),
        returning=new_and_returning(period, calls),
        repeats=repeat_calls(period, calls),
        repeaters=worst_repeaters(period, calls),
    )
