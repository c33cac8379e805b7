"""A number's callbacks, derived from its stored calls and people's actions.

Calls and actions of one external number (its national number, so every way of writing it is one
customer) are replayed in time order, calls before actions of the same moment:

- a missed inbound call opens a callback, or adds an attempt to the one open;
- an answered call with the number closes it: outbound, "called back" (by that extension),
  inbound, "customer called again"; an unanswered outbound call counts as one of our tries;
- a claim gives an unowned open callback its owner, an assignment gives it any owner, an outcome
  either counts a try ("no answer") or closes it (reached, wrong number, not needed).

`refresh` re-derives the numbers a sync or an action touched, replaying only from the last callback
opened before the change (the state before it cannot depend on the change); `rebuild` replays every
number from its first call. Both go through `_refresh_chunk`, so they agree.
"""

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import islice

from django.db import connection, transaction

from monitoring.callbacks.hours import Clock
from monitoring.models import (
    MISSED_STATUSES,
    Call,
    CallbackAction,
    CallbackResolution,
    CallbackState,
    CallStatus,
    Direction,
)
from monitoring.models import Callback as CallbackRow

# Numbers re-derived per transaction.
CHUNK = 200
# The advisory lock namespace of a number's callbacks (PostgreSQL): a sync, an action and a
# rebuild touching the same number take turns.
LOCK_NAMESPACE = 19_000_001
_MISSED = frozenset(MISSED_STATUSES)
_CALL, _ACTION = 0, 1
_CALL_COLUMNS = ("id", "external_number", "started_at", "direction", "status", "extension",
                 "from_name", "pbx_id")  # fmt: skip


def batched(items, size: int):
    """Tuples of up to `size` items, in order (itertools.batched from Python 3.12)."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


@dataclass
class Episode:
    """The derived fields of one `Callback` row."""

    number: str
    name: str
    pbx_id: int
    first_call_id: int
    first_missed_at: datetime
    last_missed_at: datetime
    out_of_hours: bool
    clock_starts_at: datetime
    attempts: int = 1
    state: str = CallbackState.OPEN
    resolution: str = ""
    closed_at: datetime | None = None
    closed_call_id: int | None = None
    closed_by_extension: str = ""
    closed_by_id: int | None = None
    clock_seconds: int | None = None
    owner_id: int | None = None
    claimed_at: datetime | None = None
    tries: int = 0
    last_try_at: datetime | None = None


FIELDS = tuple(item.name for item in fields(Episode))


def _close(episode: Episode, clock: Clock, resolution, at, **by) -> None:
    episode.state = CallbackState.CLOSED
    episode.resolution = resolution
    episode.closed_at = at
    episode.clock_seconds = clock.seconds(episode.clock_starts_at, at)
    for name, value in by.items():
        setattr(episode, name, value)


def _apply_call(open_, call: dict, clock: Clock, episodes: list) -> Episode | None:
    """One call's effect; returns the callback open after it."""
    direction, status, at = call["direction"], call["status"], call["started_at"]
    if direction == Direction.INBOUND and status in _MISSED:
        if open_ is None:
            open_ = Episode(
                number=call["external_number"],
                name=call["from_name"],
                pbx_id=call["pbx_id"],
                first_call_id=call["id"],
                first_missed_at=at,
                last_missed_at=at,
                out_of_hours=not clock.calendar.is_open(at),
                clock_starts_at=clock.starts_at(at),
            )
            episodes.append(open_)
        else:
            open_.attempts += 1
            open_.last_missed_at = at
            open_.name = call["from_name"] or open_.name
        return open_
    if open_ is None:
        return None
    if status == CallStatus.ANSWERED:
        outbound = direction == Direction.OUTBOUND
        resolution = (
            CallbackResolution.CALLED_BACK if outbound else CallbackResolution.CUSTOMER_CALLED_AGAIN
        )
        _close(open_, clock, resolution, at, closed_call_id=call["id"],
               closed_by_extension=call["extension"])  # fmt: skip
        return None
    if direction == Direction.OUTBOUND:
        open_.tries += 1
        open_.last_try_at = at
    return open_


def _apply_action(open_: Episode | None, action: CallbackAction, clock: Clock) -> Episode | None:
    """One action's effect on the open callback (none: the action came too late, nothing to do)."""
    if open_ is None:
        return None
    Kind, Outcome = CallbackAction.Kind, CallbackAction.Outcome
    if action.kind == Kind.CLAIM:
        if open_.owner_id is None:
            open_.owner_id, open_.claimed_at = action.user_id, action.at
    elif action.kind == Kind.ASSIGN:
        open_.owner_id, open_.claimed_at = action.assignee_id, action.at
    elif action.outcome == Outcome.NO_ANSWER:
        open_.tries += 1
        open_.last_try_at = action.at
    elif action.outcome:
        _close(open_, clock, CallbackResolution(action.outcome), action.at,
               closed_by_id=action.user_id, closed_by_extension=action.extension)  # fmt: skip
        return None
    return open_


def replay(calls: list[dict], actions: list[CallbackAction], clock: Clock) -> list[Episode]:
    """One number's callbacks from its calls (dicts of `_CALL_COLUMNS`) and actions, replayed from
    a moment when none was open."""
    events = [(call["started_at"], _CALL, call["id"], call) for call in calls]
    events += [(action.at, _ACTION, action.id, action) for action in actions]
    events.sort(key=lambda event: event[:3])
    episodes: list[Episode] = []
    open_ = None
    for _at, kind, _id, item in events:
        if kind == _CALL:
            open_ = _apply_call(open_, item, clock, episodes)
        else:
            open_ = _apply_action(open_, item, clock)
    return episodes


def _lock(numbers: list[str]) -> None:
    """Hold each number's lock until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(number)) FROM unnest(%s::text[])"
            " WITH ORDINALITY AS numbers(number, position) ORDER BY position",
            [LOCK_NAMESPACE, sorted(numbers)],
        )


def lock_number(number: str) -> None:
    _lock([number])


def _start_points(changes: dict, stored: dict) -> dict:
    """Per number, the event to replay from, as (moment, kind, id) in the replay's order: the
    opening of its last callback opened before the change, or the change itself; None to replay
    its whole history."""
    starts = {}
    for number, since in changes.items():
        if since is None:
            starts[number] = None
            continue
        before = [(row.first_missed_at, _CALL, row.first_call_id) for row in stored[number]
                  if row.first_missed_at < since]  # fmt: skip
        starts[number] = max(before) if before else (since, _CALL, 0)
    return starts


def _after(start: tuple | None, event: tuple) -> bool:
    return start is None or event >= start


def _calls_from(starts: dict):
    """The inbound and outbound calls of each number from its start point on (as dicts).

    On PostgreSQL each number reads only its own range of the (external_number, started_at)
    index, in one statement; elsewhere the numbers' calls are read whole and sorted out by the
    caller.
    """
    kinds = [Direction.INBOUND.value, Direction.OUTBOUND.value]
    if connection.vendor != "postgresql":
        calls = Call.objects.filter(external_number__in=list(starts), direction__in=kinds)
        yield from calls.values(*_CALL_COLUMNS).order_by()
        return
    columns = ", ".join(f"c.{name}" for name in _CALL_COLUMNS)
    # The table's name and fixed column names; the values are parameters.
    sql = (
        f"SELECT {columns} FROM unnest(%s::text[], %s::timestamptz[]) AS s(number, since)"  # noqa: S608
        f" JOIN {Call._meta.db_table} c ON c.external_number = s.number"
        " AND c.started_at >= COALESCE(s.since, '-infinity') WHERE c.direction IN (%s, %s)"
    )
    moments = [start[0] if start else None for start in starts.values()]
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(starts), moments, *kinds])
        for row in cursor:
            yield dict(zip(_CALL_COLUMNS, row, strict=True))


def _refresh_chunk(changes: dict, clock: Clock) -> int:
    """Re-derive the callbacks of a chunk of numbers; returns how many rows changed."""
    stored = defaultdict(list)
    for row in CallbackRow.objects.filter(number__in=list(changes)):
        stored[row.number].append(row)
    starts = _start_points(changes, stored)
    calls = defaultdict(list)
    for call in _calls_from(starts):
        if _after(starts[call["external_number"]], (call["started_at"], _CALL, call["id"])):
            calls[call["external_number"]].append(call)
    actions = defaultdict(list)
    for action in CallbackAction.objects.filter(number__in=list(starts)).order_by():
        if _after(starts[action.number], (action.at, _ACTION, action.id)):
            actions[action.number].append(action)
    changed = 0
    for number, start in starts.items():
        derived = {episode.first_call_id: episode for episode in
                   replay(calls[number], actions[number], clock)}  # fmt: skip
        replaced = [row for row in stored[number]
                    if _after(start, (row.first_missed_at, _CALL, row.first_call_id))]  # fmt: skip
        changed += _store(replaced, derived)
    return changed


def _store(replaced: list[CallbackRow], derived: dict[int, Episode]) -> int:
    """Write the derived callbacks over the stored ones they replace, keeping rows (and their ids)
    whose first call is the same; returns how many rows changed."""
    updates, gone = [], []
    for row in replaced:
        episode = derived.pop(row.first_call_id, None)
        if episode is None:
            gone.append(row.pk)
            continue
        if any(getattr(row, name) != getattr(episode, name) for name in FIELDS):
            for name in FIELDS:
                setattr(row, name, getattr(episode, name))
            updates.append(row)
    if gone:
        CallbackRow.objects.filter(pk__in=gone).delete()
    if updates:
        CallbackRow.objects.bulk_update(updates, FIELDS)
    if derived:
        CallbackRow.objects.bulk_create(CallbackRow(**vars(e)) for e in derived.values())
    return len(gone) + len(updates) + len(derived)


def refresh(changes: dict[str, datetime | None], clock: Clock | None = None) -> int:
    """Re-derive the callbacks of the numbers in `changes`: number → the earliest moment of a
    call or action of it that was stored (None: its whole history). Returns the rows changed."""
    clock = clock or Clock()
    numbers = sorted(number for number in changes if number)
    changed = 0
    for chunk in batched(numbers, CHUNK):
        with transaction.atomic():
            _lock(list(chunk))
            changed += _refresh_chunk({number: changes[number] for number in chunk}, clock)
    return changed


def touched(rows) -> dict[str, datetime]:
    """number → the earliest start among stored call fields (dicts) with an external number,
    for `refresh` after a sync stored them."""
    changes: dict[str, datetime] = {}
    for row in rows:
        number = row.get("external_number")
        if not number or row.get("direction") not in (Direction.INBOUND, Direction.OUTBOUND):
            continue
        at = row["started_at"]
        if number not in changes or at < changes[number]:
            changes[number] = at
    return changes


def merge(changes: dict[str, datetime], more: dict[str, datetime]) -> None:
    """Fold `more` into `changes`, keeping each number's earliest moment."""
    for number, at in more.items():
        if number not in changes or at < changes[number]:
            changes[number] = at


def encode(changes: dict[str, datetime | None]) -> list[list]:
    """`refresh`'s argument as JSON for a task: [[number, ISO moment or None], ...]."""
    return [[number, at.isoformat() if at else None] for number, at in changes.items()]


def decode(encoded: list[list]) -> dict[str, datetime | None]:
    return {number: datetime.fromisoformat(at) if at else None for number, at in encoded}


def rebuild(progress=None) -> int:
    """Derive every callback again from all stored calls and actions; returns the rows changed.

    Numbers whose calls are gone (deleted as too old) lose their callbacks.
    """
    clock = Clock()
    missed = Call.objects.filter(direction=Direction.INBOUND, status__in=MISSED_STATUSES)
    numbers = set(
        missed.exclude(external_number="").values_list("external_number", flat=True).distinct()
    )
    stored = set(CallbackRow.objects.values_list("number", flat=True).distinct())
    orphans = sorted(stored - numbers)
    changed = 0
    for chunk in batched(orphans, CHUNK):
        changed += CallbackRow.objects.filter(number__in=chunk).delete()[0]
    done = 0
    for chunk in batched(sorted(numbers), CHUNK * 5):
        changed += refresh(dict.fromkeys(chunk), clock)
        done += len(chunk)
        if progress:
            progress(done, len(numbers))
    if connection.vendor == "postgresql":
        # Rewritten wholesale: the planner's picture of the table is out of date.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CallbackRow._meta.db_table}")
    return changed


def recompute_clocks() -> int:
    """After the working hours or the calendar changed: every callback's out-of-hours mark, clock
    start and time to callback again (what `refresh` would derive, without reading calls)."""
    clock = Clock()
    changed = 0
    rows = CallbackRow.objects.order_by("pk").only(
        "first_missed_at", "closed_at", "out_of_hours", "clock_starts_at", "clock_seconds"
    )
    names = ("out_of_hours", "clock_starts_at", "clock_seconds")
    for chunk in batched(rows.iterator(chunk_size=2000), 2000):
        updates = []
        for row in chunk:
            before = [getattr(row, name) for name in names]
            row.out_of_hours = not clock.calendar.is_open(row.first_missed_at)
            row.clock_starts_at = clock.starts_at(row.first_missed_at)
            if row.closed_at is not None:
                row.clock_seconds = clock.seconds(row.clock_starts_at, row.closed_at)
            if before != [getattr(row, name) for name in names]:
                updates.append(row)
        CallbackRow.objects.bulk_update(updates, names)
        changed += len(updates)
    return changed
