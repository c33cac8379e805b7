"""The period pages' figures from the hourly rollup: the same numbers as from the calls, exactly.

Each function answers what its reference over the calls answers (kpis.summary, kpis.activity,
kpis.per_extension, kpis.dashboard_figures, heatmap.heatmap_from_calls), for any period, any
zone and the same narrowing of the calls:

- the period's whole UTC hours come from the rollup (CallHourTotal, a few rows an hour, unless
  the figure or the narrowing needs the extension: CallHour), each counted in the local day or
  hour it lies in; an hour a local day or hour boundary cuts (zones at :30 or :45 from UTC) and the
  period's partial first and last hours come from the calls;
- `calls` narrows like the calls' queryset: a filter on the PBX, direction, status, extension or
  line (an operator's own extensions) is applied to the rollup as it is; any other narrowing
  (a number, a join) is answered from the calls;
- the service level is counted from the rollup when SERVICE_LEVEL_SECONDS is one of
  WAIT_BOUNDS, from the calls otherwise; so is everything on a database without the rollup.

    summary, activity, extensions = figures.dashboard_figures(period, calls, sort)
    cells = figures.heatmap(period, calls)
    figures.summary(period, calls).inbound_missed
    figures.count(period, calls)          # how many calls
    figures.count_if_kept(period, calls)  # the same, or None when only the calls can tell
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections
from django.db.models import Count, Max, Q, QuerySet, Sum, Value
from django.db.models.expressions import Col
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate, TruncHour
from django.db.models.lookups import Lookup
from django.db.models.sql.where import AND, WhereNode

from monitoring import kpis
from monitoring.models import MISSED_STATUSES, Call, CallStatus, Direction
from monitoring.periods import Period, local_zone
from monitoring.rollups.maintenance import maintained
from monitoring.rollups.models import KEY_FIELDS, WAIT_BOUNDS, CallHour, CallHourTotal, within_field

HOUR = timedelta(hours=1)
# Call fields a narrowing may filter on to be applied to the rollup as it is.
NARROWABLE = frozenset({"pbx", *KEY_FIELDS})
# Past this share of the period's hours cut by local boundaries, the calls answer alone.
MOST_HOURS_CUT = 0.25


class _FromCalls(Exception):
    """The figure is answered from the calls."""


@dataclass
class Tally:
    """Additive figures of calls of one direction and status."""

    calls: int = 0
    talk: int = 0
    wait: int = 0
    wait_max: int | None = None
    within: int = 0

    def add(self, calls, talk, wait, wait_max, within) -> None:
        self.calls += calls
        self.talk += talk or 0
        self.wait += wait or 0
        if wait_max is not None:
            self.wait_max = wait_max if self.wait_max is None else max(self.wait_max, wait_max)
        self.within += within or 0


# -- Which calls and hours ---------------------------------------------------------------------


def _narrowing(calls: QuerySet | None) -> tuple[WhereNode | None, set[str]]:
    """The calls' filter (None: every call) and the fields it reads; raises _FromCalls when the
    rollup does not keep them."""
    if calls is None:
        return None, set()
    query = calls.query
    if (
        query.model is not Call
        or query.is_empty()
        or query.combinator
        or query.distinct
        or query.low_mark
        or query.high_mark is not None
        or query.extra
        or query.annotations
        or len([alias for alias, count in query.alias_refcount.items() if count]) > 1
    ):
        raise _FromCalls
    table, fields = Call._meta.db_table, set()
    pending = [query.where]
    while pending:
        node = pending.pop()
        if isinstance(node, Col):
            if node.alias != table or node.target.name not in NARROWABLE:
                raise _FromCalls
            fields.add(node.target.name)
        elif isinstance(node, (WhereNode, Lookup)):
            pending.extend(node.get_source_expressions())
        else:
            raise _FromCalls
    return (query.where if query.where.children else None), fields


def _floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class Split:
    """Which of a period's moments the rollup answers: the whole hours [first, end) but the
    `cut` ones; the calls answer the `ranges`."""

    first: datetime
    end: datetime
    cut: list[datetime]
    ranges: list[tuple[datetime, datetime]]


def split(period: Period, bucket_of: Callable[[datetime], object] | None = None) -> Split:
    """Split the period between the rollup and the calls. `bucket_of(moment)` names the local
    bucket a moment is counted in (a day, an hour); an hour whose start and last moment are in
    different buckets is cut. Raises _FromCalls when most hours are cut."""
    first = _floor(period.start)
    if first < period.start:
        first += HOUR
    end = _floor(period.end)
    if end <= first:
        return Split(first, first, [], [(period.start, period.end)])
    ranges = []
    if period.start < first:
        ranges.append((period.start, first))
    cut = []
    if bucket_of is not None:
        hours = int((end - first) / HOUR)
        last = HOUR - timedelta(microseconds=1)
        for n in range(hours):
            hour = first + n * HOUR
            if bucket_of(hour) != bucket_of(hour + last):
                cut.append(hour)
        if len(cut) > MOST_HOURS_CUT * hours:
            raise _FromCalls
        ranges.extend((hour, hour + HOUR) for hour in cut)
    if end < period.end:
        ranges.append((end, period.end))
    return Split(first, end, cut, ranges)


# -- Tallies from both sources -------------------------------------------------------------------


def _tallies(
    period: Period,
    calls: QuerySet | None,
    groups: dict[str, Callable[[str], object] | None],
    bucket_of: Callable[[datetime], object] | None = None,
    within: bool = False,
    only: Q | None = None,
) -> dict[tuple, Tally]:
    """(group values…, direction, status) → Tally of the period's calls, grouped by `groups`
    (name → expression of the time column's name, or None for the field of that name).
    Raises _FromCalls when the rollup cannot answer exactly."""
    threshold = settings.SERVICE_LEVEL_SECONDS
    if within and threshold not in WAIT_BOUNDS:
        raise _FromCalls
    database = calls.db if calls is not None else "default"
    if not maintained(connections[database]):
        raise _FromCalls
    narrowing, narrowed = _narrowing(calls)
    # The rollup over every extension when neither the grouping nor the narrowing needs one.
    model = CallHour if "extension" in groups or "extension" in narrowed else CallHourTotal
    parts = split(period, bucket_of)
    names = [*groups, "direction", "status"]
    result: dict[tuple, Tally] = defaultdict(Tally)
    if parts.first < parts.end:
        rollup = model.objects.using(database).filter(hour__gte=parts.first, hour__lt=parts.end)
        if parts.cut:
            rollup = rollup.exclude(hour__in=parts.cut)
        if only is not None:
            rollup = rollup.filter(only)
        if narrowing is not None:
            relabeled = narrowing.relabeled_clone({Call._meta.db_table: model._meta.db_table})
            rollup.query.where.add(relabeled, AND)
        rows = (
            rollup.annotate(**_expressions(groups, "hour"))
            .values(*names)
            .order_by()
            .annotate(
                t_calls=Sum("calls"),
                t_talk=Sum("talk_seconds"),
                t_wait=Sum("wait_seconds"),
                t_wait_max=Max("wait_max"),
                t_within=Sum(within_field(threshold)) if within else Value(0),
            )
        )
        _add(result, rows, names)
    if parts.ranges:
        raw = Call.objects.using(database).all() if calls is None else calls
        spans = Q()
        for start, end in parts.ranges:
            spans |= Q(started_at__gte=start, started_at__lt=end)
        raw = raw.filter(spans)
        if only is not None:
            raw = raw.filter(only)
        rows = (
            raw.annotate(**_expressions(groups, "started_at"))
            .values(*names)
            .order_by()
            .annotate(
                t_calls=Count("id"),
                t_talk=Sum("talk_seconds"),
                t_wait=Sum("wait_seconds"),
                t_wait_max=Max("wait_seconds"),
                t_within=Count("id", filter=Q(wait_seconds__lte=threshold)) if within else Value(0),
            )
        )
        _add(result, rows, names)
    return result


def _expressions(groups: dict, column: str) -> dict:
    return {name: group(column) for name, group in groups.items() if group is not None}


def _add(result: dict, rows, names: list[str]) -> None:
    for row in rows:
        key = tuple(row[name] for name in names)
        result[key].add(
            row["t_calls"], row["t_talk"], row["t_wait"], row["t_wait_max"], row["t_within"]
        )


def _direction_status(key: tuple) -> tuple[str, str]:
    return key[-2], key[-1]


# -- The figures ---------------------------------------------------------------------------------


def _summary(tallies: dict[tuple, Tally]) -> kpis.Summary:
    result = kpis.Summary(service_level_seconds=settings.SERVICE_LEVEL_SECONDS)
    answered_talk = 0
    waited = kpis_wait = None
    for key, tally in tallies.items():
        direction, status = _direction_status(key)
        result.total += tally.calls
        result.total_talk += tally.talk
        if status == CallStatus.ANSWERED:
            result.answered += tally.calls
            answered_talk += tally.talk
        if direction == Direction.OUTBOUND:
            result.outbound += tally.calls
        elif direction == Direction.INTERNAL:
            result.internal += tally.calls
        elif direction == Direction.INBOUND:
            result.inbound += tally.calls
            if status in MISSED_STATUSES:
                result.inbound_missed += tally.calls
            elif status == CallStatus.ANSWERED:
                result.inbound_answered += tally.calls
                result.inbound_within_service_level += tally.within
                waited = (waited or 0) + tally.wait
                if tally.wait_max is not None:
                    kpis_wait = max(kpis_wait or 0, tally.wait_max)
    if result.inbound_answered:
        result.average_wait = waited / result.inbound_answered
        result.longest_wait = kpis_wait
    if result.answered:
        result.average_talk = answered_talk / result.answered
    return result


def summary(period: Period, calls: QuerySet | None = None) -> kpis.Summary:
    """kpis.summary of the period."""
    try:
        return _summary(_tallies(period, calls, {}, within=True))
    except _FromCalls:
        return kpis.summary(period, calls)


def _activity(period: Period, calls: QuerySet | None) -> kpis.Activity:
    zone = local_zone()
    by, _bucket, keys = kpis._buckets(period)
    if by == "hour":
        groups = {"bucket": lambda column: TruncHour(column, tzinfo=zone)}
        bucket_of = _local_hour
    else:
        groups = {"bucket": lambda column: TruncDate(column, tzinfo=zone)}
        bucket_of = _local_day
    tallies = _tallies(period, calls, groups, bucket_of)
    rows: dict = defaultdict(lambda: [0, 0, 0])
    for key, tally in tallies.items():
        bucket, (direction, status) = key[0], _direction_status(key)
        if direction == Direction.INBOUND and status == CallStatus.ANSWERED:
            rows[bucket][0] += tally.calls
        elif direction == Direction.INBOUND and status in MISSED_STATUSES:
            rows[bucket][1] += tally.calls
        elif direction == Direction.OUTBOUND:
            rows[bucket][2] += tally.calls
    return kpis._activity(by, keys, [(key, *counts) for key, counts in rows.items()])


def activity(period: Period, calls: QuerySet | None = None) -> kpis.Activity:
    """kpis.activity of the period."""
    try:
        return _activity(period, calls)
    except _FromCalls:
        return kpis.activity(period, calls)


def _local_day(moment: datetime):
    return moment.astimezone(local_zone()).date()


def _local_hour(moment: datetime):
    local = moment.astimezone(local_zone())
    return local.replace(minute=0, second=0, microsecond=0, fold=0), local.utcoffset()


def _per_extension(period: Period, calls: QuerySet | None, sort: str) -> list[dict]:
    tallies = _tallies(period, calls, {"extension": None})
    rows: dict[str, dict] = {}
    answered_talk: dict[str, int] = defaultdict(int)
    for key, tally in tallies.items():
        extension, (direction, status) = key[0], _direction_status(key)
        if extension == "":
            continue
        row = rows.setdefault(
            extension,
            {"extension": extension, "calls": 0, "answered": 0, "missed": 0, "talk": 0},
        )
        row["calls"] += tally.calls
        row["talk"] += tally.talk
        if status == CallStatus.ANSWERED:
            row["answered"] += tally.calls
            answered_talk[extension] += tally.talk
        if direction == Direction.INBOUND and status in MISSED_STATUSES:
            row["missed"] += tally.calls
    for extension, row in rows.items():
        answered = row["answered"]
        row["average_talk"] = answered_talk[extension] / answered if answered else None
    vendor = connections[calls.db if calls is not None else "default"].vendor
    return sort_extensions(list(rows.values()), sort, vendor)


def sort_extensions(rows: list[dict], sort: str, vendor: str = "postgresql") -> list[dict]:
    """Rows in the order kpis.per_extension gives them: by the column, then by extension.
    Empty values (no answered call's average) come last, but first in ascending order on
    SQLite, as its ORDER BY puts them."""
    sort = kpis.clean_extension_sort(sort)
    column = kpis.EXTENSION_SORTS[sort.removeprefix("-")]
    descending = sort.startswith("-")
    rows.sort(key=lambda row: row["extension"])
    present = [row for row in rows if row[column] is not None]
    empty = [row for row in rows if row[column] is None]
    present.sort(key=lambda row: row[column], reverse=descending)
    return empty + present if vendor == "sqlite" and not descending else present + empty


def per_extension(
    period: Period, calls: QuerySet | None = None, sort: str = kpis.DEFAULT_EXTENSION_SORT
) -> list[dict]:
    """kpis.per_extension of the period."""
    try:
        return _per_extension(period, calls, sort)
    except _FromCalls:
        return kpis.per_extension(period, calls, sort)


def dashboard_figures(
    period: Period, calls: QuerySet | None = None, sort: str = kpis.DEFAULT_EXTENSION_SORT
) -> tuple[kpis.Summary, kpis.Activity, list[dict]]:
    """kpis.dashboard_figures of the period: the summary, the chart and the per-extension rows.
    When the rollup answers none of them (a narrowing it does not keep), the calls' one query
    answers all three; a threshold outside WAIT_BOUNDS sends only the summary to the calls."""
    try:
        _narrowing(calls)
        if not maintained(connections[calls.db if calls is not None else "default"]):
            raise _FromCalls
    except _FromCalls:
        return kpis.dashboard_figures_from_calls(period, calls, sort)
    return summary(period, calls), activity(period, calls), per_extension(period, calls, sort)


def heatmap(period: Period, calls: QuerySet | None = None):
    """heatmap.heatmap_from_calls of the period."""
    from monitoring.analytics import heatmap as reference

    zone = local_zone()
    groups = {
        "local_weekday": lambda column: ExtractIsoWeekDay(column, tzinfo=zone),
        "local_hour": lambda column: ExtractHour(column, tzinfo=zone),
    }
    try:
        tallies = _tallies(
            period, calls, groups, _local_hour, within=True, only=Q(direction=Direction.INBOUND)
        )
    except _FromCalls:
        return reference.heatmap_from_calls(period, calls)
    cells: dict = defaultdict(Tally)
    answered: dict = defaultdict(Tally)
    missed: dict = defaultdict(int)
    for key, tally in tallies.items():
        weekday, hour, (_direction, status) = key[0], key[1], _direction_status(key)
        cells[weekday, hour].add(tally.calls, 0, 0, None, 0)
        if status == CallStatus.ANSWERED:
            answered[weekday, hour].add(tally.calls, 0, tally.wait, None, tally.within)
        elif status in MISSED_STATUSES:
            missed[weekday, hour] += tally.calls
    result = reference.empty_heatmap()
    for (weekday, hour), offered in cells.items():
        done = answered.get((weekday, hour), Tally())
        result.cells[weekday][hour] = reference.Cell(
            offered=offered.calls,
            missed=missed.get((weekday, hour), 0),
            answered=done.calls,
            within_service_level=done.within,
            average_wait=done.wait / done.calls if done.calls else None,
        )
    return result


def count(period: Period, calls: QuerySet | None = None) -> int:
    """How many of `calls` started in the period."""
    counted = count_if_kept(period, calls)
    return kpis.calls_in(period, calls).count() if counted is None else counted


def count_if_kept(period: Period, calls: QuerySet | None = None) -> int | None:
    """How many of `calls` started in the period, when the rollup answers it (else None: the
    caller counts, or estimates, from the calls)."""
    try:
        tallies = _tallies(period, calls, {})
    except _FromCalls:
        return None
    return sum(tally.calls for tally in tallies.values())
