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
    start order: only (start, seconds) pairs are read, streamed, and the heap holds only the
    calls still in progress, so memory stays small however many calls the period has.
    """
    rows = (
        calls_in(period, calls)
        .filter(total_seconds__gt=0)
        .order_by("started_at")
        .values_list("started_at", "total_seconds")
    )
    ends: list[datetime] = []
    peak, peak_at = 0, None
    for started_at, seconds in rows.iterator(chunk_size=5000):
        while ends and ends[0] <= started_at:
            heapq.heappop(ends)
        heapq.heappush(ends, started_at + timedelta(seconds=seconds))
        if len(ends) > peak:
            peak, peak_at = len(ends), started_at
    return peak, peak_at


@dataclass
class MissedNumber:
    number: str
    name: str
    last_missed_at: datetime


def missed_not_called_back(period: Period, calls: QuerySet | None = None) -> list[MissedNumber]:
    """External numbers whose last inbound call in the period was missed, with no answered call
    with us (inbound or outbound, at any time) since. Most recent first.

    One query: each missed inbound call in the period is kept when no later inbound call from the
    same number falls in the period and no answered call with the number followed it. Both
    subqueries use the (external_number, started_at) index.
    """
    later_inbound = Call.objects.filter(
        INBOUND,
        external_number=OuterRef("external_number"),
        started_at__lt=period.end,
    ).filter(
        Q(started_at__gt=OuterRef("started_at"))
        | Q(started_at=OuterRef("started_at"), id__gt=OuterRef("id"))
    )
    answered_since = Call.objects.filter(
        ANSWERED,
        direction__in=(Direction.INBOUND, Direction.OUTBOUND),
        external_number=OuterRef("external_number"),
        started_at__gte=OuterRef("started_at"),
    ).exclude(id=OuterRef("id"))
    rows = (
        calls_in(period, calls)
        .filter(INBOUND & MISSED)
        .exclude(external_number="")
        .filter(~Exists(later_inbound), ~Exists(answered_since))
        .order_by("-started_at", "-id")
        .values_list("external_number", "from_name", "started_at")
    )
    result, seen = [], set()
    for number, name, started_at in rows:
        if number not in seen:  # identical calls of the same second
            seen.add(number)
            result.append(MissedNumber(number, name, started_at))
    return result


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


def activity(period: Period, calls: QuerySet | None = None) -> Activity:
    """Inbound answered, inbound missed and outbound calls per local hour (one day) or per local
    day (longer periods), every hour or day of the period present, in one grouped query."""
    zone = local_zone()
    if period.is_single_day:
        by = "hour"
        bucket = TruncHour("started_at", tzinfo=zone)
        first = datetime.combine(period.first_day, datetime.min.time(), tzinfo=zone)
        keys = [first + timedelta(hours=n) for n in range(24)]
    else:
        by = "day"
        bucket = TruncDate("started_at", tzinfo=zone)
        keys = period.days
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
    )
    buckets = {key: Bucket(start=key) for key in keys}
    for row in rows:
        key = row["bucket"]
        if by == "hour":
            key = key.astimezone(zone)
        if key in buckets:
            buckets[key].inbound_answered = row["inbound_answered"]
            buckets[key].inbound_missed = row["inbound_missed"]
            buckets[key].outbound = row["outbound"]
    return Activity(by=by, buckets=list(buckets.values()))


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
