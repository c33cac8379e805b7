"""The dashboard's numbers, as plain functions over a period.

Every query is bounded by the period on `Call.started_at` (indexed) and aggregates in the
database; nothing loads Call instances. Each function takes an optional `calls` queryset to
narrow the calls counted (one PBX, an operator's own extension); by default, all calls.

Definitions (shown to the users in the tiles' tooltips):
- missed: an inbound call no person answered (MISSED_STATUSES: failed, busy, no answer, voicemail);
- wait: total minus talk seconds (`Call.wait_seconds`);
- service level: inbound calls answered within settings.SERVICE_LEVEL_SECONDS, divided by all
  inbound calls.
"""

import heapq
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connections
from django.db.models import Avg, Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncHour

from monitoring.models import MISSED_STATUSES, Call, CallStatus, Direction
from monitoring.periods import Period, local_zone

INBOUND = Q(direction=Direction.INBOUND)
ANSWERED = Q(status=CallStatus.ANSWERED)
MISSED = Q(status__in=MISSED_STATUSES)


def calls_in(period: Period, calls: QuerySet | None = None) -> QuerySet:
    """The calls that started within the period."""
    calls = Call.objects.all() if calls is None else calls
    return calls.filter(started_at__gte=period.start, started_at__lt=period.end)


@dataclass
class Summary:
    total: int = 0
    inbound: int = 0
    outbound: int = 0
    internal: int = 0
    inbound_answered: int = 0
    inbound_missed: int = 0
    inbound_within_service_level: int = 0
    average_wait: float | None = None
    longest_wait: int | None = None
    answered: int = 0
    total_talk: int = 0
    average_talk: float | None = None
    service_level_seconds: int = 20

    @property
    def service_level(self) -> float | None:
        """Percent of inbound calls answered within the threshold; None without inbound calls."""
        if not self.inbound:
            return None
        return 100 * self.inbound_within_service_level / self.inbound


def summary(period: Period, calls: QuerySet | None = None) -> Summary:
    """The tiles' counts and times, in one aggregate query."""
    threshold = settings.SERVICE_LEVEL_SECONDS
    inbound_answered = INBOUND & ANSWERED
    row = calls_in(period, calls).aggregate(
        total=Count("id"),
        inbound=Count("id", filter=INBOUND),
        outbound=Count("id", filter=Q(direction=Direction.OUTBOUND)),
        internal=Count("id", filter=Q(direction=Direction.INTERNAL)),
        inbound_answered=Count("id", filter=inbound_answered),
        inbound_missed=Count("id", filter=INBOUND & MISSED),
        inbound_within_service_level=Count(
            "id", filter=inbound_answered & Q(wait_seconds__lte=threshold)
        ),
        average_wait=Avg("wait_seconds", filter=inbound_answered),
        longest_wait=Max("wait_seconds", filter=inbound_answered),
        answered=Count("id", filter=ANSWERED),
        total_talk=Sum("talk_seconds"),
        average_talk=Avg("talk_seconds", filter=ANSWERED),
    )
    row["total_talk"] = row["total_talk"] or 0
    return Summary(service_level_seconds=threshold, **row)


def peak_concurrency(period: Period, calls: QuerySet | None = None) -> tuple[int, datetime | None]:
    """The most calls in progress at one moment, and the first moment it happened.

    A call is in progress over [start, start + total seconds). A sweep over the period's calls in
    start order: at each start, the calls started so far minus those ended by then. On PostgreSQL
    the sweep runs in the database (a running sum over the starts and ends, one row comes back);
    elsewhere only (start, seconds) pairs are read, streamed, and a heap holds only the calls
    still in progress, so memory stays small however many calls the period has.
    """
    rows = (
        calls_in(period, calls)
        .filter(total_seconds__gt=0)
        .order_by("started_at")
        .values_list("started_at", "total_seconds")
    )
    if rows.query.is_empty():
        return 0, None  # .none(): an operator without extensions; there is no SQL to run
    if connections[rows.db].vendor == "postgresql":
        return _peak_concurrency_sql(rows)
    ends: list[datetime] = []
    peak, peak_at = 0, None
    for started_at, seconds in rows.iterator(chunk_size=5000):
        while ends and ends[0] <= started_at:
            heapq.heappop(ends)
        heapq.heappush(ends, started_at + timedelta(seconds=seconds))
        if len(ends) > peak:
            peak, peak_at = len(ends), started_at
    return peak, peak_at


def _peak_concurrency_sql(rows: QuerySet) -> tuple[int, datetime | None]:
    """The sweep of `peak_concurrency` in one PostgreSQL query over `rows` (start, seconds).

    Every start counts +1 and every end -1; in time order, an end before a start of the same
    moment (a call that ends as another starts does not overlap it). The running sum at a start
    is the number of calls in progress then; the highest, at its earliest start, is the peak.
    """
    rows = rows.order_by()
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    query = f"""
        WITH calls (started_at, seconds) AS ({sql}),
        events (at, step) AS (
            SELECT started_at, 1 FROM calls
            UNION ALL
            SELECT started_at + seconds * INTERVAL '1 second', -1 FROM calls
        ),
        sweep AS (
            SELECT at, step, SUM(step) OVER (ORDER BY at, step ROWS UNBOUNDED PRECEDING) AS running
            FROM events
        )
        SELECT running, at FROM sweep WHERE step = 1 ORDER BY running DESC, at LIMIT 1
    """  # noqa: S608 - the queryset's own compiled SQL and parameters
    with connections[rows.db].cursor() as cursor:
        cursor.execute(query, params)
        row = cursor.fetchone()
    return (int(row[0]), row[1]) if row else (0, None)


@dataclass
class MissedNumber:
    number: str
    name: str
    last_missed_at: datetime


def _missed_calls(period: Period, calls: QuerySet | None) -> QuerySet:
    """The last missed inbound call in the period of each number not called back since (see
    `missed_not_called_back`), most recent first, as (number, name, started_at)."""
    later = Q(started_at__gt=OuterRef("started_at")) | Q(id__gt=OuterRef("id"))
    follower = (
        Call.objects.filter(
            external_number=OuterRef("external_number"),
            started_at__gte=OuterRef("started_at"),
        )
        # Implied by the line above (the missed call is in the period); bounds the scan.
        .filter(started_at__gte=period.start)
        .exclude(id=OuterRef("id"))
        .filter(
            (INBOUND & Q(started_at__lt=period.end) & later)
            | (ANSWERED & Q(direction__in=(Direction.INBOUND, Direction.OUTBOUND)))
        )
    )
    return (
        calls_in(period, calls)
        .filter(INBOUND & MISSED)
        .exclude(external_number="")
        .filter(~Exists(follower))
        .order_by("-started_at", "-id")
        .values_list("external_number", "from_name", "started_at")
    )


def missed_not_called_back(period: Period, calls: QuerySet | None = None) -> list[MissedNumber]:
    """External numbers whose last inbound call in the period was missed, with no answered call
    with us (inbound or outbound, at any time) since. Most recent first.

    One query: each missed inbound call in the period is kept when no call with the same number
    follows it that is either a later inbound call in the period or an answered call. Such a call
    starts at or after the missed one, so at or after the period's start: that bound keeps the
    test to the calls since the period began (an index range, whatever the history's length),
    matched by number either in a hash or through the (external_number, started_at) index.
    A later call of the same number, or one of the same second with a higher id, follows a
    missed call: each number is kept once, with its last missed call.
    """
    return [MissedNumber(*row) for row in _missed_calls(period, calls)]


def missed_not_called_back_first(
    period: Period, calls: QuerySet | None = None, first: int = 25
) -> tuple[int, list[MissedNumber]]:
    """How many numbers `missed_not_called_back` lists, and the `first` of them.

    A month can list thousands of numbers, and reading them cost more than finding them. On
    PostgreSQL one query counts them and sends only the first: the list is a materialized CTE,
    so it is planned as `missed_not_called_back` plans it (the LIMIT does not turn it into a
    nested loop over every missed call of the period). Elsewhere the whole list is read.
    """
    missed = _missed_calls(period, calls)
    if missed.query.is_empty():
        return 0, []  # .none(): an operator without extensions
    if connections[missed.db].vendor != "postgresql":
        everyone = missed_not_called_back(period, calls)
        return len(everyone), everyone[:first]
    columns = missed.order_by().values_list("external_number", "from_name", "started_at", "id")
    sql, params = columns.query.get_compiler(using=missed.db).as_sql()
    query = f"""
        WITH missed (number, name, started_at, id) AS MATERIALIZED ({sql})
        SELECT number, name, started_at, (SELECT COUNT(*) FROM missed)
        FROM missed ORDER BY started_at DESC, id DESC LIMIT %s
    """  # noqa: S608 - the queryset's own compiled SQL and parameters
    with connections[missed.db].cursor() as cursor:
        cursor.execute(query, (*params, first))
        rows = cursor.fetchall()
    count = rows[0][3] if rows else 0
    return count, [MissedNumber(number, name, at) for number, name, at, _count in rows]


@dataclass
class Bucket:
    """One bar group of the chart: an hour or a day, in the configured zone."""

    start: datetime | date
    inbound_answered: int = 0
    inbound_missed: int = 0
    outbound: int = 0


@dataclass
class Activity:
    by: str  # "hour" or "day"
    buckets: list[Bucket] = field(default_factory=list)


def _buckets(period: Period):
    """(by, bucket expression, every bucket key of the period) of the chart: local hours for one
    day, local days for longer periods."""
    zone = local_zone()
    if period.is_single_day:
        first = datetime.combine(period.first_day, datetime.min.time(), tzinfo=zone)
        keys = [first + timedelta(hours=n) for n in range(24)]
        return "hour", TruncHour("started_at", tzinfo=zone), keys
    return "day", TruncDate("started_at", tzinfo=zone), period.days


def _activity(by: str, keys: list, rows) -> Activity:
    """The chart's buckets from grouped rows (bucket, inbound answered, inbound missed, outbound),
    every key present, in order."""
    zone = local_zone()
    buckets = {key: Bucket(start=key) for key in keys}
    for key, inbound_answered, inbound_missed, outbound in rows:
        if by == "hour":
            key = key.astimezone(zone)
        if key in buckets:
            buckets[key].inbound_answered = inbound_answered
            buckets[key].inbound_missed = inbound_missed
            buckets[key].outbound = outbound
    return Activity(by=by, buckets=list(buckets.values()))


def activity(period: Period, calls: QuerySet | None = None) -> Activity:
    """Inbound answered, inbound missed and outbound calls per local hour (one day) or per local
    day (longer periods), every hour or day of the period present, in one grouped query."""
    by, bucket, keys = _buckets(period)
    rows = (
        calls_in(period, calls)
        .annotate(bucket=bucket)
        .values("bucket")
        .order_by("bucket")
        .annotate(
            inbound_answered=Count("id", filter=INBOUND & ANSWERED),
            inbound_missed=Count("id", filter=INBOUND & MISSED),
            outbound=Count("id", filter=Q(direction=Direction.OUTBOUND)),
        )
        .values_list("bucket", "inbound_answered", "inbound_missed", "outbound")
    )
    return _activity(by, keys, rows)


# The per-extension table's columns: GET value → ordering expression.
EXTENSION_SORTS = {
    "extension": "extension",
    "calls": "calls",
    "answered": "answered",
    "missed": "missed",
    "talk": "talk",
    "average_talk": "average_talk",
}
DEFAULT_EXTENSION_SORT = "-calls"


def clean_extension_sort(value: str | None) -> str:
    """The sort GET value if it names a column (optionally with a leading "-"), else the default."""
    if value and value.removeprefix("-") in EXTENSION_SORTS:
        return value
    return DEFAULT_EXTENSION_SORT


def per_extension(
    period: Period, calls: QuerySet | None = None, sort: str = DEFAULT_EXTENSION_SORT
) -> list[dict]:
    """Per extension: calls, answered, missed (inbound), total and average talk time."""
    sort = clean_extension_sort(sort)
    column = EXTENSION_SORTS[sort.removeprefix("-")]
    order = F(column).desc(nulls_last=True) if sort.startswith("-") else F(column).asc()
    return list(
        calls_in(period, calls)
        .exclude(extension="")
        .values("extension")
        .annotate(
            calls=Count("id"),
            answered=Count("id", filter=ANSWERED),
            missed=Count("id", filter=INBOUND & MISSED),
            talk=Sum("talk_seconds"),
            average_talk=Avg("talk_seconds", filter=ANSWERED),
        )
        .order_by(order, "extension")
    )


# -- The dashboard's figures in one pass ---------------------------------------------------------

# per_extension's columns → the combined query's.
_EXTENSION_COLUMNS = {
    "extension": "extension",
    "calls": "total",
    "answered": "answered",
    "missed": "inbound_missed",
    "talk": "total_talk",
    "average_talk": "average_talk",
}


def dashboard_figures(
    period: Period, calls: QuerySet | None = None, sort: str = DEFAULT_EXTENSION_SORT
) -> tuple[Summary, Activity, list[dict]]:
    """`summary`, `activity` and `per_extension` of the period, from the hourly rollup where it
    answers them exactly (monitoring.rollups.figures), else from the calls."""
    from monitoring.rollups import figures

    return figures.dashboard_figures(period, calls, sort)


def dashboard_figures_from_calls(
    period: Period, calls: QuerySet | None = None, sort: str = DEFAULT_EXTENSION_SORT
) -> tuple[Summary, Activity, list[dict]]:
    """`summary`, `activity` and `per_extension` of the period, the same figures, from the calls.

    On PostgreSQL in one query that reads the period's calls once: GROUPING SETS computes the
    same conditional aggregates over all the calls (the summary), per chart bucket and per
    extension. Elsewhere, the three queries.
    """
    base = calls_in(period, calls)
    # .none() (an operator without extensions) has no SQL to embed: the plain queries answer it.
    if base.query.is_empty() or connections[base.db].vendor != "postgresql":
        return summary(period, calls), activity(period, calls), per_extension(period, calls, sort)
    return _dashboard_figures_sql(base, period, sort)


def _dashboard_figures_sql(base: QuerySet, period: Period, sort: str):
    threshold = settings.SERVICE_LEVEL_SECONDS
    by, bucket, keys = _buckets(period)
    inner = base.annotate(bucket=bucket).order_by()
    inner = inner.values("bucket", "extension", "direction", "status", "id", "wait_seconds",
                         "talk_seconds")  # fmt: skip
    sql, params = inner.query.get_compiler(using=inner.db).as_sql()
    sort = clean_extension_sort(sort)
    column = _EXTENSION_COLUMNS[sort.removeprefix("-")]
    order = f"{column} DESC NULLS LAST" if sort.startswith("-") else f"{column} ASC"
    inbound = "direction = %s"
    answered = "status = %s"
    missed = f"status IN ({', '.join(['%s'] * len(MISSED_STATUSES))})"
    query = f"""
        SELECT GROUPING(bucket), GROUPING(extension), bucket, extension,
            COUNT(id) AS total,
            COUNT(id) FILTER (WHERE {inbound}) AS inbound,
            COUNT(id) FILTER (WHERE direction = %s) AS outbound,
            COUNT(id) FILTER (WHERE direction = %s) AS internal,
            COUNT(id) FILTER (WHERE {inbound} AND {answered}) AS inbound_answered,
            COUNT(id) FILTER (WHERE {inbound} AND {missed}) AS inbound_missed,
            COUNT(id) FILTER (WHERE {inbound} AND {answered} AND wait_seconds <= %s)
                AS inbound_within_service_level,
            AVG(wait_seconds) FILTER (WHERE {inbound} AND {answered}) AS average_wait,
            MAX(wait_seconds) FILTER (WHERE {inbound} AND {answered}) AS longest_wait,
            COUNT(id) FILTER (WHERE {answered}) AS answered,
            SUM(talk_seconds) AS total_talk,
            AVG(talk_seconds) FILTER (WHERE {answered}) AS average_talk
        FROM ({sql} OFFSET 0) AS calls
        GROUP BY GROUPING SETS ((), (bucket), (extension))
        ORDER BY GROUPING(extension), {order}, extension
    """  # noqa: S608 - the queryset's own compiled SQL and parameters; the order is from a list
    inbound_p, answered_p, missed_p = [Direction.INBOUND], [CallStatus.ANSWERED], MISSED_STATUSES
    values = [
        *inbound_p,
        Direction.OUTBOUND,
        Direction.INTERNAL,
        *inbound_p, *answered_p,
        *inbound_p, *missed_p,
        *inbound_p, *answered_p, threshold,
        *inbound_p, *answered_p,
        *inbound_p, *answered_p,
        *answered_p,
        *answered_p,
        *params,
    ]  # fmt: skip
    connection = connections[base.db]
    with connection.cursor() as cursor:
        cursor.execute(query, values)
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    figures = None
    chart_rows, extensions = [], []
    for row in rows:
        # GROUPING(x) is 1 in the rows where x is rolled up: both, the summary; one, a grouping.
        bucket_rolled_up, extension_rolled_up, key, extension = row[:4]
        row = dict(zip(names[4:], row[4:], strict=True))
        for name in ("average_wait", "average_talk"):
            row[name] = None if row[name] is None else float(row[name])
        if bucket_rolled_up and extension_rolled_up:
            figures = row
        elif extension_rolled_up:
            if by == "hour" and key is not None:
                key = inner.query.annotations["bucket"].convert_value(key, None, connection)
            chart_rows.append(
                (key, row["inbound_answered"], row["inbound_missed"], row["outbound"])
            )
        elif extension != "":
            extensions.append(
                {name: row[source] if name != "extension" else extension
                 for name, source in _EXTENSION_COLUMNS.items()}
            )  # fmt: skip
    figures["total_talk"] = figures["total_talk"] or 0
    result = Summary(service_level_seconds=threshold, **figures)
    return result, _activity(by, keys, chart_rows), extensions
