"""One agent's figures (an extension of one PBX) over a period, and the table of every agent.

Each function takes the period, the calls it may count (already narrowed to what the reader may
see), the PBX and the extension: the figures can later be read from hourly rollups instead.

Definitions (the pages' tooltips say the same):
- answered: inbound calls to the extension that it answered;
- rang unanswered: inbound calls to the extension nobody answered (the dashboard's "missed":
  failed, busy, no answer, voicemail);
- answer speed: the average and the median wait (total minus talk) of the answered inbound calls;
- talk: the talk time of all the extension's calls (inbound, outbound, internal it placed) added
  up, and its average over the answered ones (the dashboard's own definitions);
- outbound: calls out the extension placed, and how many of them were answered (connected);
- callbacks made: the callbacks of the period's missed numbers (their first missed call in the
  period, as the callback service level counts them) closed as called back or reached by this
  agent: an answered call out from the extension closed it, or an operator recorded "reached"
  from this extension (the operator's first extension on the callback's PBX is recorded with the
  outcome; an outcome recorded without one counts for the closing user's first extension on that
  PBX now). Their median time is the time to callback on the callback clock (working hours), as
  on the dashboard;
- the first and last call of a day: the start of the extension's first and last call of each
  Tashkent day of the period;
- the hourly pattern: the extension's calls by the Tashkent hour of day they started.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connections
from django.db.models import Avg, Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractHour, TruncDate
from django.utils.translation import gettext_lazy as _

from accounts.models import OperatorProfile, split_extensions
from accounts.roles import Role, operator_extensions, role_of
from monitoring.callbacks.figures import CALLED_BACK, Percentile, callbacks_in, percentile
from monitoring.kpis import ANSWERED, INBOUND, MISSED, Activity, Bucket, calls_in
from monitoring.models import Direction
from monitoring.periods import Period, local_zone
from providers.models import DirectoryEntry, PbxConnection

OUTBOUND = Q(direction=Direction.OUTBOUND)
INBOUND_ANSWERED = INBOUND & ANSWERED
HOURS = range(24)


def _aggregates() -> dict:
    """The call figures of one agent, as aggregate expressions (one query)."""
    return {
        "calls": Count("id"),
        "answered": Count("id", filter=INBOUND_ANSWERED),
        "rang_unanswered": Count("id", filter=INBOUND & MISSED),
        "average_wait": Avg("wait_seconds", filter=INBOUND_ANSWERED),
        "total_talk": Coalesce(Sum("talk_seconds"), 0),
        "average_talk": Avg("talk_seconds", filter=ANSWERED),
        "outbound": Count("id", filter=OUTBOUND),
        "outbound_connected": Count("id", filter=OUTBOUND & ANSWERED),
    }


@dataclass
class AgentFigures:
    calls: int = 0
    answered: int = 0
    rang_unanswered: int = 0
    average_wait: float | None = None
    median_wait: float | None = None
    total_talk: int = 0
    average_talk: float | None = None
    outbound: int = 0
    outbound_connected: int = 0
    callbacks_made: int = 0
    callback_median: float | None = None


def _on_postgresql(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def agent_calls(calls: QuerySet, pbx: PbxConnection | int, extension: str) -> QuerySet:
    """The calls of one extension of one PBX."""
    return calls.filter(pbx=pbx, extension=extension)


def call_figures(period: Period, calls: QuerySet, pbx, extension: str) -> AgentFigures:
    """Everything but the callbacks, in one query (the median wait in a second one off
    PostgreSQL)."""
    own = calls_in(period, agent_calls(calls, pbx, extension))
    if own.query.is_empty():
        return AgentFigures()
    aggregates = _aggregates()
    if _on_postgresql(own):
        aggregates["median_wait"] = Percentile("wait_seconds", 0.5, filter=INBOUND_ANSWERED)
        row = own.aggregate(**aggregates)
    else:
        row = own.aggregate(**aggregates)
        waits = sorted(own.filter(INBOUND_ANSWERED).values_list("wait_seconds", flat=True))
        row["median_wait"] = percentile(waits, 0.5)
    return AgentFigures(**_floats(row))


def _floats(row: dict) -> dict:
    for name in ("average_wait", "median_wait", "average_talk"):
        if row.get(name) is not None:
            row[name] = float(row[name])
    return row


def _first_extensions(pbx_ids=None) -> dict[tuple[int, int], str]:
    """(PBX id, user id) → the operator's first extension on that PBX."""
    profiles = OperatorProfile.objects.all()
    if pbx_ids is not None:
        profiles = profiles.filter(pbx_id__in=pbx_ids)
    firsts = {}
    for pbx_id, user_id, extensions in profiles.values_list("pbx_id", "user_id", "extensions"):
        numbers = split_extensions(extensions)
        if numbers:
            firsts[pbx_id, user_id] = numbers[0]
    return firsts


def _callback_times(period: Period, callbacks: QuerySet | None, pbx_ids=None) -> dict:
    """(PBX id, extension) → the times to callback of the callbacks that agent made."""
    made = callbacks_in(period, callbacks).filter(CALLED_BACK)
    if pbx_ids is not None:
        made = made.filter(pbx_id__in=pbx_ids)
    rows = list(
        made.order_by().values_list(
            "pbx_id", "closed_by_extension", "closed_by_id", "clock_seconds"
        )
    )
    firsts = _first_extensions(pbx_ids) if any(not row[1] and row[2] for row in rows) else {}
    times = defaultdict(list)
    for pbx_id, extension, user_id, seconds in rows:
        extension = extension or firsts.get((pbx_id, user_id), "")
        if extension:
            times[pbx_id, extension].append(seconds)
    return times


def callbacks_made(
    period: Period, pbx, extension: str, callbacks: QuerySet | None = None
) -> tuple[int, float | None]:
    """How many callbacks the agent made (see the module's definition) and their median time to
    callback in seconds (None without any)."""
    pbx_id = getattr(pbx, "pk", pbx)
    times = _callback_times(period, callbacks, [pbx_id]).get((pbx_id, extension), [])
    return len(times), percentile(sorted(time for time in times if time is not None), 0.5)


def agent_figures(
    period: Period, calls: QuerySet, pbx, extension: str, callbacks: QuerySet | None = None
) -> AgentFigures:
    """The agent page's figures: the calls' and the callbacks'."""
    result = call_figures(period, calls, pbx, extension)
    result.callbacks_made, result.callback_median = callbacks_made(
        period, pbx, extension, callbacks
    )
    return result


@dataclass
class Day:
    day: date
    calls: int
    first: datetime
    last: datetime


def days(period: Period, calls: QuerySet, pbx, extension: str) -> list[Day]:
    """Per Tashkent day of the period with calls: how many, the first and the last call's start."""
    own = calls_in(period, agent_calls(calls, pbx, extension))
    rows = (
        own.annotate(day=TruncDate("started_at", tzinfo=local_zone()))
        .values("day")
        .order_by("day")
        .annotate(calls=Count("id"), first=Min("started_at"), last=Max("started_at"))
        .values_list("day", "calls", "first", "last")
    )
    return [Day(*row) for row in rows]


def hourly(period: Period, calls: QuerySet, pbx, extension: str) -> Activity:
    """The extension's inbound answered, inbound unanswered and outbound calls by Tashkent hour of
    day over the whole period, as the dashboard chart's buckets (every hour present)."""
    zone = local_zone()
    own = calls_in(period, agent_calls(calls, pbx, extension))
    rows = (
        own.annotate(hour=ExtractHour("started_at", tzinfo=zone))
        .values("hour")
        .order_by("hour")
        .annotate(
            inbound_answered=Count("id", filter=INBOUND_ANSWERED),
            inbound_missed=Count("id", filter=INBOUND & MISSED),
            outbound=Count("id", filter=OUTBOUND),
        )
        .values_list("hour", "inbound_answered", "inbound_missed", "outbound")
    )
    # The chart labels a bucket by its clock time; any day carries the hours.
    midnight = datetime.combine(period.first_day, datetime.min.time(), tzinfo=zone)
    buckets = {hour: Bucket(start=midnight + timedelta(hours=hour)) for hour in HOURS}
    for hour, answered, missed, outbound in rows:
        bucket = buckets[hour]
        bucket.inbound_answered, bucket.inbound_missed, bucket.outbound = answered, missed, outbound
    return Activity(by="hour", buckets=list(buckets.values()))


# -- Every agent ---------------------------------------------------------------------------------

# Each column's label and definition (the header's tooltip, the agent page's tile).
LABELS = {
    "extension": (_("Extension"), _("The agent's extension on its PBX.")),
    "name": (_("Name"), _("The extension's name in the PBX's directory.")),
    "answered": (_("Answered"), _("Inbound calls to the extension that it answered.")),
    "rang_unanswered": (
        _("Rang unanswered"),
        _("Inbound calls to the extension nobody answered: failed, busy, no answer or voicemail."),
    ),
    "average_wait": (
        _("Average wait"),
        _(
            "How long callers waited before the agent answered, on average (answered inbound "
            "calls)."
        ),
    ),
    "median_wait": (
        _("Median wait"),
        _("Half of the answered inbound calls waited less than this, half longer."),
    ),
    "total_talk": (
        _("Total talk time"),
        _("The talk time of all the extension's calls (inbound, outbound, internal), added up."),
    ),
    "average_talk": (_("Average talk time"), _("Talk time of answered calls ÷ their number.")),
    "outbound": (_("Outbound"), _("Calls out the extension placed.")),
    "outbound_connected": (_("Connected"), _("Calls out the extension placed that were answered.")),
    "callbacks_made": (
        _("Callbacks"),
        _(
            "Missed numbers of the period this agent called back: an answered call out from the "
            "extension, or “reached” recorded by its operator."
        ),
    ),
    "callback_median": (
        _("Callback median"),
        _("The median time from the missed call to this agent's callback, in working hours."),
    ),
}
# The table's columns, in order; each sorts the table by its value.
COLUMNS = tuple(LABELS)
DEFAULT_SORT = "-answered"
# Sorting by these starts from the smallest (A to Z); by the others from the largest.
ASCENDING_FIRST = frozenset({"extension", "name"})


def clean_sort(value: str | None) -> str:
    """The sort GET value if it names a column (optionally with a leading "-"), else the default."""
    if value and value.removeprefix("-") in COLUMNS:
        return value
    return DEFAULT_SORT


@dataclass
class AgentRow(AgentFigures):
    pbx_id: int = 0
    pbx_name: str = ""
    extension: str = ""
    name: str = ""


def _extension_key(number: str) -> tuple:
    """Extensions in dialling order: 99 before 101."""
    return (len(number), number)


def sort_rows(rows: list, sort: str, value=None) -> list:
    """`rows` ordered by the column `sort` names ("-" first: descending); rows without a value
    last either way, ties by extension. `value(row, column)`: how to read a row (attributes by
    default; dict keys when the rows are dicts)."""
    sort = sort or DEFAULT_SORT
    column = sort.removeprefix("-")
    descending = sort.startswith("-")
    if value is None:
        value = (lambda row, name: row.get(name)) if rows and isinstance(rows[0], dict) else getattr

    def tie(row):
        return (_extension_key(value(row, "extension")), str(value(row, "pbx_name") or ""))

    present = [row for row in rows if value(row, column) not in (None, "")]
    missing = [row for row in rows if value(row, column) in (None, "")]
    present.sort(key=tie)
    if column == "extension":
        present.sort(key=lambda row: _extension_key(value(row, column)), reverse=descending)
    elif column == "name":
        present.sort(key=lambda row: str(value(row, column)).casefold(), reverse=descending)
    else:
        present.sort(key=lambda row: value(row, column), reverse=descending)
    return present + sorted(missing, key=tie)


def _median_waits(calls: QuerySet) -> dict[tuple[int, str], float | None]:
    """(PBX id, extension) → the median wait of the answered inbound calls, off PostgreSQL."""
    waits = defaultdict(list)
    answered = calls.filter(INBOUND_ANSWERED).order_by()
    for pbx_id, extension, wait in answered.values_list("pbx_id", "extension", "wait_seconds"):
        waits[pbx_id, extension].append(wait)
    return {key: percentile(sorted(values), 0.5) for key, values in waits.items()}


def table(
    period: Period,
    calls: QuerySet,
    sort: str = DEFAULT_SORT,
    callbacks: QuerySet | None = None,
    extension: str = "",
) -> list[AgentRow]:
    """Every agent with calls in the period, one row per PBX and extension, named from the PBX's
    directory and sorted by `sort`. The PBX's service numbers (queues, IVR, voicemail…) are left
    out: a number the directory does not list counts as an agent (as on the dashboard).
    `extension`: only that extension's rows (one per PBX)."""
    own = calls_in(period, calls).exclude(extension="")
    if extension:
        own = own.filter(extension=extension)
    if own.query.is_empty():
        return []
    aggregates = _aggregates()
    postgresql = _on_postgresql(own)
    if postgresql:
        aggregates["median_wait"] = Percentile("wait_seconds", 0.5, filter=INBOUND_ANSWERED)
    grouped = own.values("pbx_id", "extension").order_by().annotate(**aggregates)
    rows = [_floats(dict(row)) for row in grouped]
    waits = {} if postgresql else _median_waits(own)
    pbx_ids = sorted({row["pbx_id"] for row in rows})
    names = dict(PbxConnection.objects.filter(pk__in=pbx_ids).values_list("pk", "name"))
    directory = {
        (entry.pbx_id, entry.number): entry
        for entry in DirectoryEntry.objects.filter(pbx_id__in=pbx_ids)
    }
    times = _callback_times(period, callbacks, pbx_ids)
    result = []
    for row in rows:
        key = (row["pbx_id"], row["extension"])
        entry = directory.get(key)
        if entry is not None and not entry.is_person:
            continue
        made = times.get(key, [])
        agent = AgentRow(
            **row, pbx_name=names.get(row["pbx_id"], ""), name=entry.name if entry else ""
        )
        if not postgresql:
            agent.median_wait = waits.get(key)
        agent.callbacks_made = len(made)
        agent.callback_median = percentile(sorted(t for t in made if t is not None), 0.5)
        result.append(agent)
    return sort_rows(result, clean_sort(sort))


def pbx_of_extensions(numbers: list[str]) -> dict[str, int | None]:
    """Extension → the PBX it belongs to, for tables that count an extension over every PBX:
    the only PBX there is, else the only PBX whose directory lists it; None when that is not
    one PBX."""
    pbx_ids = list(PbxConnection.objects.order_by("pk").values_list("pk", flat=True)[:2])
    if len(pbx_ids) == 1:
        return dict.fromkeys(numbers, pbx_ids[0])
    listed = defaultdict(set)
    entries = DirectoryEntry.objects.filter(number__in=numbers).values_list("number", "pbx_id")
    for number, pbx_id in entries:
        listed[number].add(pbx_id)
    return {
        number: next(iter(listed[number])) if len(listed[number]) == 1 else None
        for number in numbers
    }


# -- Who sees which agent ------------------------------------------------------------------------


def agents_visible_to(user, calls: QuerySet) -> QuerySet:
    """The calls of the agents `user` may see: every agent for supervisors and administrators,
    an operator's own extensions (each on its PBX), nobody else's."""
    role = role_of(user)
    if role >= Role.SUPERVISOR:
        return calls
    own = None
    if role == Role.OPERATOR:
        for pbx_id, numbers in operator_extensions(user).items():
            condition = Q(pbx_id=pbx_id, extension__in=numbers)
            own = condition if own is None else own | condition
    return calls.none() if own is None else calls.filter(own)


def may_see_agent(user, pbx_id: int, extension: str) -> bool:
    role = role_of(user)
    if role >= Role.SUPERVISOR:
        return True
    return role == Role.OPERATOR and extension in operator_extensions(user).get(pbx_id, [])
