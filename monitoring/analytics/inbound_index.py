"""Keeping ``InboundCall`` (the rows "who is calling" counts from) equal to the stored calls.

Each inbound call has one row: its number, start, missed or not, and ``previous_at``, the start
of the same number's previous inbound call in the order (start, id), over every PBX. Whatever
writes, moves or deletes calls calls one function here in the same transaction:

    calls_stored(pbx_id, keys)   the sync wrote a page (new, corrected or unchanged calls)
    calls_changed(ids)           calls were saved or changed otherwise (start times re-read, …)
    forget_calls(ids)            calls are about to be deleted (retention, removing a PBX)
    rebuild()                    everything again from the calls (manage.py rebuild_callers)

A change touches its own rows and, for each number, only the row right after each place it
changed: that row's ``previous_at`` is the only other one that can differ. A late call fixes
its successor; a deleted one hands its predecessor on. A page of new calls costs one statement
on PostgreSQL (``_ADD_NEW``); calls written in time order (as a sync writes them) find no row
after theirs, so nothing else is rewritten. One transaction-level lock keeps two writers from
computing the same number's order at once (PostgreSQL; SQLite has one writer anyway).
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    DateTimeField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from monitoring.analytics.models import InboundCall
from monitoring.analytics.prefixes import DECIDING_CHARACTERS, origin_of_head, origin_of_national
from monitoring.models import MISSED_STATUSES, Call, Direction

CHUNK = 500
# pg_advisory_xact_lock's key for the index's writers (any constant the project uses once).
LOCK_KEY = 0x1DB0C411


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _before(table_number: str, started: str, ident: str) -> Q:
    """Rows of the number earlier than the outer row in the order (start, id)."""
    return Q(number=OuterRef(table_number), started_at__lte=OuterRef(started)) & (
        Q(started_at__lt=OuterRef(started)) | Q(call_id__lt=OuterRef(ident))
    )


def _after(table_number: str, started: str, ident: str) -> Q:
    return Q(number=OuterRef(table_number), started_at__gte=OuterRef(started)) & (
        Q(started_at__gt=OuterRef(started)) | Q(call_id__gt=OuterRef(ident))
    )


def _previous(rows, number="number", started="started_at", ident="call_id"):
    return Subquery(
        rows.filter(_before(number, started, ident))
        .order_by("-started_at", "-call_id")
        .values("started_at")[:1]
    )


def _next(rows, number="number", started="started_at", ident="call_id"):
    return Subquery(
        rows.filter(_after(number, started, ident))
        .order_by("started_at", "call_id")
        .values("call_id")[:1]
    )


def _numbered(expression, output_field):
    """``expression`` for a call with a number; nothing for a withheld one (no order to keep)."""
    return Case(
        When(external_number="", then=Value(None)), default=expression, output_field=output_field
    )


def calls_stored(pbx_id: int, rows: dict[str, dict], *, all_new: bool = False) -> None:
    """The sync wrote these calls of the PBX (key -> fields, the external number among them);
    ``all_new``: none of them was stored before."""
    keys = list(rows)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        if all_new and connection.vendor == "postgresql":
            numbers = {rows[key]["external_number"] for key in chunk}
            origins = {number: origin_of_national(number) for number in numbers}
            with transaction.atomic(savepoint=False):
                _lock()
                _renumber(_add_new_on_postgresql(pbx_id, chunk, origins))
        else:
            _apply(Call.objects.filter(pbx_id=pbx_id, key__in=chunk), all_new)


def calls_changed(ids: Iterable[int]) -> None:
    """These calls were written or changed some other way (or deleted: their rows go)."""
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _apply(Call.objects.filter(id__in=chunk), all_new=False, ids=chunk)


def forget_calls(ids: Iterable[int]) -> None:
    """These calls are being deleted (call it in the deleting transaction, before or after)."""
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic(savepoint=False):
            _lock()
            _remove(chunk)


def _apply(calls, all_new: bool, ids: list[int] | None = None) -> None:
    with transaction.atomic(savepoint=False):
        _lock()
        if all_new:
            # Nothing of theirs is indexed yet: read them with their neighbours at once.
            _add(_with_neighbours(calls.filter(direction=Direction.INBOUND)))
            return
        found = list(calls.order_by().values_list(*_FIELDS))
        ids = ids if ids is not None else [row[0] for row in found]
        stored = {
            row[0]: row[1:]
            for row in InboundCall.objects.filter(call_id__in=ids).values_list(
                "call_id", "number", "started_at", "missed"
            )
        }
        gone, added, missed_changed = _differences(found, stored)
        for missed in (True, False):
            changed = [ident for ident, value in missed_changed.items() if value is missed]
            if changed:
                InboundCall.objects.filter(call_id__in=changed).update(missed=missed)
        if gone:
            _remove(gone)
        if added:
            _add(_with_neighbours(Call.objects.filter(id__in=added)))


def _differences(found: list[tuple], stored: dict[int, tuple]):
    """What to change: the rows to take out (no longer inbound, or another number or start),
    the calls to index (anew or again), and the rows whose missed flag alone changed."""
    wanted = {
        ident: (number, started, status in MISSED_STATUSES)
        for ident, direction, number, started, status in found
        if direction == Direction.INBOUND
    }
    gone, missed_changed = [], {}
    for ident, (number, started, missed) in stored.items():
        want = wanted.get(ident)
        if want is None or want[:2] != (number, started):
            gone.append(ident)
        elif want[2] != missed:
            missed_changed[ident] = want[2]
    added = [
        ident
        for ident, want in wanted.items()
        if ident not in stored or stored[ident][:2] != want[:2]
    ]
    return gone, added, missed_changed


# The outer row's fields when the outer query reads calls rather than index rows.
_OUTER_CALL = ("external_number", "started_at", "id")
_FIELDS = ("id", "direction", "external_number", "started_at", "status")


def _with_neighbours(calls) -> list[tuple]:
    """The calls' fields, the start of each one's indexed predecessor and the id of its indexed
    successor (none for a withheld number)."""
    return list(
        calls.order_by()
        .annotate(
            before=_numbered(_previous(InboundCall.objects, *_OUTER_CALL), DateTimeField()),
            after=_numbered(_next(InboundCall.objects, *_OUTER_CALL), BigIntegerField()),
        )
        .values_list(*_FIELDS, "before", "after")
    )


def _add(found: list[tuple]) -> None:
    """Index new inbound calls, given with their indexed neighbours (start of the previous call,
    id of the next one) as they stand without these calls."""
    by_number = defaultdict(list)
    rows = []
    successors = set()
    for ident, _direction, number, started, status, before, after in found:
        row = InboundCall(
            call_id=ident,
            number=number,
            origin=origin_of_national(number),
            started_at=started,
            missed=status in MISSED_STATUSES,
            previous_at=before,
        )
        rows.append(row)
        if number:
            by_number[number].append(row)
            if after is not None:
                successors.add(after)
    # Calls of one number written together precede each other too.
    for same in by_number.values():
        same.sort(key=lambda row: (row.started_at, row.call_id))
        for earlier, row in pairwise(same):
            if row.previous_at is None or row.previous_at < earlier.started_at:
                row.previous_at = earlier.started_at
    InboundCall.objects.bulk_create(rows, batch_size=CHUNK)
    _renumber(successors)


def _remove(ids: list[int]) -> None:
    """Take these calls' rows out; the row after each hands on to the row before it."""
    rest = InboundCall.objects.exclude(call_id__in=ids)
    successors = set(
        InboundCall.objects.filter(call_id__in=ids)
        .exclude(number="")
        .annotate(after=_next(rest))
        .exclude(after=None)
        .values_list("after", flat=True)
    )
    InboundCall.objects.filter(call_id__in=ids).delete()
    _renumber(successors)


def _renumber(ids: set[int]) -> None:
    """Set these rows' ``previous_at`` from the index as it now stands."""
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        InboundCall.objects.filter(call_id__in=ids[start : start + CHUNK]).update(
            previous_at=_previous(InboundCall.objects)
        )


# -- PostgreSQL: a page of new calls in one statement -------------------------------------------

_MISSED_LIST = ", ".join(f"'{status}'" for status in MISSED_STATUSES)
_INBOUND = f"'{Direction.INBOUND.value}'"
_CALLS = Call._meta.db_table
_INDEX = InboundCall._meta.db_table
# The page's inbound calls, each with its previous call (the later of the one indexed before it
# and the page's own before it) and the indexed call after it, whose previous call may now be
# this one. Only the model's own identifiers and choice values go into the text.
_ADD_NEW = (
    "WITH page AS (SELECT id, external_number AS number, "  # noqa: S608
    "%(origins)s::jsonb ->> external_number AS origin, started_at, "
    f"status IN ({_MISSED_LIST}) AS missed FROM unnest(%(keys)s::text[]) AS given (key) "
    # One probe of the (pbx, key) index per call, whatever the table's statistics say (a first
    # sync fills a table the planner may still think empty); LIMIT keeps the planner from
    # turning the probes into a join over all the PBX's calls.
    f"CROSS JOIN LATERAL (SELECT * FROM {_CALLS} "
    "WHERE pbx_id = %(pbx)s AND key = given.key LIMIT 1) AS stored "
    f"WHERE direction = {_INBOUND}), "
    "placed AS (SELECT page.*, CASE WHEN number = '' THEN NULL ELSE GREATEST("
    "LAG(started_at) OVER (PARTITION BY number ORDER BY started_at, id), "
    f"(SELECT p.started_at FROM {_INDEX} p WHERE p.number = page.number "
    "AND (p.started_at, p.call_id) < (page.started_at, page.id) "
    "ORDER BY p.started_at DESC, p.call_id DESC LIMIT 1)) END AS previous_at, "
    f"CASE WHEN number = '' THEN NULL ELSE (SELECT n.call_id FROM {_INDEX} n "
    "WHERE n.number = page.number AND (n.started_at, n.call_id) > (page.started_at, page.id) "
    "ORDER BY n.started_at, n.call_id LIMIT 1) END AS next_id FROM page), "
    f"added AS (INSERT INTO {_INDEX} (call_id, number, origin, started_at, missed, previous_at) "
    "SELECT id, number, origin, started_at, missed, previous_at FROM placed) "
    "SELECT DISTINCT next_id FROM placed WHERE next_id IS NOT NULL"
)


def _add_new_on_postgresql(pbx_id: int, keys: list[str], origins: dict[str, str]) -> set[int]:
    """Index a page of calls none of which was stored before (their keys, and the origin of each
    of their external numbers); returns the indexed calls right after them (none when they are
    the newest of their numbers)."""
    params = {"pbx": pbx_id, "keys": keys, "origins": json.dumps(origins)}
    with connection.cursor() as cursor:
        cursor.execute(_ADD_NEW, params)
        return {row[0] for row in cursor.fetchall()}


# -- from scratch ------------------------------------------------------------------------------

# Only the model's own identifiers and choice values go into the text; the origins of the
# numbers' heads and lengths are parameters.
_HEADS = (
    f"SELECT DISTINCT substr(external_number, 1, {DECIDING_CHARACTERS}), "  # noqa: S608
    f"length(external_number) FROM {_CALLS} WHERE direction = {_INBOUND}"
)
_REBUILD = (
    "WITH origins (head, size, origin) AS (VALUES {values}) "  # noqa: S608
    f"INSERT INTO {_INDEX} (call_id, number, origin, started_at, missed, previous_at) "
    f"SELECT id, external_number, origins.origin, started_at, status IN ({_MISSED_LIST}), "
    "CASE WHEN external_number = '' THEN NULL ELSE "
    "LAG(started_at) OVER (PARTITION BY external_number ORDER BY started_at, id) END "
    f"FROM {_CALLS} JOIN origins "
    f"ON origins.head = substr(external_number, 1, {DECIDING_CHARACTERS}) "
    f"AND origins.size = length(external_number) WHERE direction = {_INBOUND}"
)


def rebuild() -> int:
    """Index every stored inbound call again from scratch; returns how many rows it holds.

    In SQL alone (plain enough for the migration that creates the index, on any database): a
    number's origin follows from its head and length, so the few dozen of those found are
    classified here and joined in.
    """
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        _lock()
        cursor.execute(f"DELETE FROM {_INDEX}")  # noqa: S608
        cursor.execute(_HEADS)
        heads = cursor.fetchall()
        if heads:
            params = []
            for head, size in heads:
                params += [head, size, origin_of_head(head, size)]
            values = ", ".join(["(%s, %s, %s)"] * len(heads))
            cursor.execute(_REBUILD.format(values=values), params)
        cursor.execute(f"SELECT count(*) FROM {_INDEX}")  # noqa: S608
        return cursor.fetchone()[0]


def on_call_saved(sender, instance, raw=False, **kwargs) -> None:
    """post_save of one Call."""
    if not raw:
        calls_changed([instance.pk])
