"""Queues and IVR: per service number of each PBX's directory (call queues, IVRs, ring groups,
voicemail), the inbound calls offered to it in a period, answered, abandoned, how long the
abandoning callers waited, the average wait to answer and the service level.

What counts:
- offered: the inbound calls whose extension is the service number (the PBX's directory made
  its number internal), barred calls left out (the PBX refused them before they reached it);
- answered: the call's status is answered (by an agent of a queue or ring group, by the IVR
  itself, by the voicemail box);
- abandoned: offered and not answered (the caller hung up, no agent answered, the queue gave up
  or sent the caller to voicemail);
- wait: `Call.wait_seconds` (total minus talk). The wait before abandoning is counted in
  WAIT_BUCKETS, each from its lower bound up to (not including) the next one;
- service level: answered within settings.SERVICE_LEVEL_SECONDS (inclusive) / offered.

Record shapes. Public sources leave open whether a queue writes one history record per
caller's call or one per leg (one per agent it rang), all with the queue as TO. Both are read
the same way: the records of one PBX with the same service number, caller and start second are
one caller's call (`caller_calls`). It is answered when any of its records is, after the
shortest wait of those answered records; otherwise it was abandoned after its longest record's
wait (the caller's whole time in the queue). With one record per call each group is one record,
so in both shapes the page counts callers' calls, not legs. Two calls of one number to one
service number started within the same second count once. Legs addressed to an agent (TO the
agent's extension) are that agent's calls and are not counted here; nor are a queue's calls to
its agents (internal calls). Not handled: legs each stamped with their own start (each would count
as a call), and a box that writes the dialled company number as TO instead of the queue (see
`Call.line`): its queue calls cannot be told from the records, and the queue shows none.

Every query is bounded by the period on `Call.started_at`. One query per page: the records are
grouped into callers' calls, and those into figures per service number, in the database. To read
hourly rollups instead, replace `caller_calls` (the only reader of Call rows): a rollup that
counts records is exact for the one-record shape only, so it must be filled from callers' calls.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django.db.models import Case, Max, Min, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from monitoring.kpis import ANSWERED, INBOUND, calls_in
from monitoring.models import CallStatus
from monitoring.periods import Period
from providers.models import DirectoryEntry

# The directory's kinds this page lists, in the order shown within a PBX.
SERVICE_KINDS = (
    DirectoryEntry.Kind.QUEUE,
    DirectoryEntry.Kind.RING_GROUP,
    DirectoryEntry.Kind.IVR,
    DirectoryEntry.Kind.VOICEMAIL,
)

# The wait before abandoning, in seconds: [lower, upper), the last one open.
WAIT_BUCKETS = ((0, 10), (10, 30), (30, 60), (60, 120), (120, 300), (300, None))
WAIT_BUCKET_LABELS = (
    _("under 10 s"),
    _("10\u201330 s"),
    _("30 s \u2013 1 min"),
    _("1\u20132 min"),
    _("2\u20135 min"),
    _("5 min or more"),
)


def bucket_of(seconds: int) -> int:
    """The index in WAIT_BUCKETS of a wait."""
    for index, (low, high) in enumerate(WAIT_BUCKETS):
        if seconds >= low and (high is None or seconds < high):
            return index
    return 0  # a negative wait cannot be stored (the field is unsigned)


@dataclass
class Figures:
    """The figures of one service number, or the sum of several."""

    offered: int = 0
    answered: int = 0
    within_service_level: int = 0
    answer_wait_total: int = 0  # seconds, over the answered calls
    abandon_waits: list[int] = field(default_factory=lambda: [0] * len(WAIT_BUCKETS))

    @property
    def abandoned(self) -> int:
        return self.offered - self.answered

    @property
    def average_wait(self) -> float | None:
        """Average wait to answer, in seconds; None without answered calls."""
        return self.answer_wait_total / self.answered if self.answered else None

    @property
    def service_level(self) -> float | None:
        """Percent of the offered calls answered within the threshold; None without calls."""
        return 100 * self.within_service_level / self.offered if self.offered else None

    @property
    def abandon_rate(self) -> float | None:
        return 100 * self.abandoned / self.offered if self.offered else None

    def add(self, other: "Figures") -> None:
        self.offered += other.offered
        self.answered += other.answered
        self.within_service_level += other.within_service_level
        self.answer_wait_total += other.answer_wait_total
        self.abandon_waits = [
            a + b for a, b in zip(self.abandon_waits, other.abandon_waits, strict=True)
        ]


@dataclass
class Service:
    """A service number of a PBX's directory and its figures."""

    pbx_id: int
    number: str
    name: str
    kind: int | None
    figures: Figures = field(default_factory=Figures)

    @property
    def kind_label(self) -> str:
        return DirectoryEntry(kind=self.kind).get_kind_display()


@dataclass
class PbxServices:
    pbx_id: int
    pbx_name: str
    services: list[Service] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)


@dataclass
class QueueReport:
    pbxes: list[PbxServices] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    service_level_seconds: int = 20


def service_numbers(pbx_ids=None) -> list[DirectoryEntry]:
    """The directories' service numbers this page lists, by PBX name, kind and number."""
    entries = DirectoryEntry.objects.filter(kind__in=SERVICE_KINDS).select_related("pbx")
    if pbx_ids is not None:
        entries = entries.filter(pbx_id__in=pbx_ids)
    order = {kind: position for position, kind in enumerate(SERVICE_KINDS)}
    return sorted(
        entries,
        key=lambda e: (e.pbx.name, e.pbx_id, order[e.kind], len(e.number), e.number),
    )


def caller_calls(
    period: Period, calls: QuerySet | None, entries: list[DirectoryEntry]
) -> QuerySet | None:
    """One row per caller's call to one of `entries` in the period: pbx_id, extension,
    answered (1 or 0), answer_wait (the shortest wait of its answered records, else None) and
    held (its longest wait). None when there is nothing to read."""
    numbers: dict[int, list[str]] = {}
    for entry in entries:
        numbers.setdefault(entry.pbx_id, []).append(entry.number)
    if not numbers:
        return None
    services = Q()
    for pbx_id, listed in numbers.items():
        services |= Q(pbx_id=pbx_id, extension__in=listed)
    rows = (
        calls_in(period, calls)
        .filter(INBOUND, services)
        .exclude(status=CallStatus.BARRED)
        .values("pbx_id", "extension", "external_number", "started_at")
        .order_by()
        .annotate(
            answered=Max(Case(When(ANSWERED, then=Value(1)), default=Value(0))),
            answer_wait=Min("wait_seconds", filter=ANSWERED),
            held=Max("wait_seconds"),
        )
    )
    return None if rows.query.is_empty() else rows


def _figures_sql(rows: QuerySet, threshold: int) -> tuple[str, list]:
    """The callers' calls summed per PBX and service number, in one statement."""
    inner, params = rows.query.sql_with_params()
    quote = connections[rows.db].ops.quote_name
    pbx, extension = quote("pbx_id"), quote("extension")
    answered, answer_wait, held = quote("answered"), quote("answer_wait"), quote("held")
    buckets = []
    bucket_params = []
    for low, high in WAIT_BUCKETS:
        condition = f"q.{answered} = 0 AND q.{held} >= %s"
        bucket_params.append(low)
        if high is not None:
            condition += f" AND q.{held} < %s"
            bucket_params.append(high)
        buckets.append(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)")
    # The queryset's own compiled SQL and parameters; the rest is fixed text.
    sql = f"""
        SELECT q.{pbx}, q.{extension}, COUNT(*), SUM(q.{answered}),
            SUM(CASE WHEN q.{answered} = 1 AND q.{answer_wait} <= %s THEN 1 ELSE 0 END),
            COALESCE(SUM(q.{answer_wait}), 0), {", ".join(buckets)}
        FROM ({inner}) q GROUP BY q.{pbx}, q.{extension}
    """  # noqa: S608
    return sql, [threshold, *bucket_params, *params]


def figures_by_service(
    period: Period, calls: QuerySet | None, entries: list[DirectoryEntry]
) -> dict[tuple[int, str], Figures]:
    """(pbx_id, number) → the figures of that service number in the period (only those with
    calls)."""
    rows = caller_calls(period, calls, entries)
    if rows is None:
        return {}
    sql, params = _figures_sql(rows, settings.SERVICE_LEVEL_SECONDS)
    result = {}
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        for pbx_id, number, offered, answered, within, wait_total, *waits in cursor.fetchall():
            result[(pbx_id, number)] = Figures(
                offered=offered,
                answered=int(answered or 0),
                within_service_level=int(within or 0),
                answer_wait_total=int(wait_total or 0),
                abandon_waits=[int(count or 0) for count in waits],
            )
    return result


def queue_report(period: Period, calls: QuerySet | None = None, pbx_ids=None) -> QueueReport:
    """Every listed service number of the PBXes (all by default) with its figures, a total per
    PBX and over all of them."""
    entries = service_numbers(pbx_ids)
    figures = figures_by_service(period, calls, entries)
    report = QueueReport(service_level_seconds=settings.SERVICE_LEVEL_SECONDS)
    for entry in entries:
        if not report.pbxes or report.pbxes[-1].pbx_id != entry.pbx_id:
            report.pbxes.append(PbxServices(entry.pbx_id, entry.pbx.name))
        group = report.pbxes[-1]
        service = Service(
            pbx_id=entry.pbx_id,
            number=entry.number,
            name=entry.name,
            kind=entry.kind,
            figures=figures.get((entry.pbx_id, entry.number), Figures()),
        )
        group.services.append(service)
        group.total.add(service.figures)
        report.total.add(service.figures)
    return report
