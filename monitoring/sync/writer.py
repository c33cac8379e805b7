"""Writing one page of normalized calls: insert the new, rewrite the changed, count both exactly.

The sync hands over a page's rows keyed by their stable key. On PostgreSQL the page travels as one
JSON document and a single statement does the rest inside the database: it inserts the new rows,
rewrites the changed ones and counts both. On other databases the ORM reads the stored versions
and writes with ``bulk_create``. Both give the same rows and the same counts.

A page is prepared (``page_preparer``: encoded, on PostgreSQL) apart from being written, so the
sync's reading thread can do that work while the run's thread waits on the database. A run that
fills in new history (a first sync, a backfill) writes pages that are all new; ``CallWriter`` then
inserts the next page with a plain INSERT, which PostgreSQL does about a sixth faster than an
upsert, and falls back to the upsert the moment a page holds a call already stored.

Each page's transaction also keeps the inbound-call index "who is calling" reads
(``monitoring.analytics.inbound_index.calls_stored``).
"""

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import orjson
import psycopg
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, reset_queries, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from monitoring.analytics import inbound_index
from monitoring.models import CALL_RECORD_FIELDS, Call
from monitoring.sync.normalize import storable

logger = logging.getLogger(__name__)

# Fields a later read may change (the extension list moves a call's direction, an ID-keyed
# record is corrected): compared to count "updated" and rewritten on conflict.
SYNCED_FIELDS = (*CALL_RECORD_FIELDS, "raw")
CHUNK = 500
# How many times a page is written when the database keeps breaking deadlocks with it.
DEADLOCK_WRITES = 3


@contextmanager
def commits_without_waiting():
    """Within this block, a commit on PostgreSQL does not wait for the disk.

    The sync's pages are stored inside it. That is safe: the run's last commit, made after
    the block, moves the read-back mark and does wait, and PostgreSQL makes its log durable in
    order, so the pages are on disk before the mark is. A crash can only lose pages of a run that
    never succeeded, and the next run reads those again from the old mark.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if connection.is_usable():
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


@dataclass(frozen=True)
class Page:
    """A page of rows (key -> Call fields) and, on PostgreSQL, the JSON its statement reads."""

    rows: dict[str, dict]
    document: bytes | None = None


def page_preparer() -> Callable[[dict[str, dict]], Page]:
    """The function that prepares pages for this database; it may run in any thread.

    Called in the thread that writes, so the choice is made by its connection; the function it
    returns touches no connection.
    """
    if connection.vendor == "postgresql":
        return lambda rows: Page(rows, _page_json(rows))
    return Page


class CallWriter:
    """Writes one run's pages for a PBX and counts them (see ``store_calls``).

    After a page whose calls were all new, the next one is expected to be new too and is inserted
    without looking for stored versions; a stored key among them sends that page through the
    upsert instead, so the rows and the counts are the same either way.
    """

    def __init__(self, pbx_id: int, *, dry_run: bool = False):
        self.pbx_id = pbx_id
        self.dry_run = dry_run
        self.expect_new = False

    def write(self, page: Page, now: dt.datetime) -> tuple[int, int]:
        rows = page.rows
        if not rows:
            return 0, 0
        if connection.vendor != "postgresql":
            with transaction.atomic(savepoint=False):
                counts = _store_by_orm(self.pbx_id, rows, now, self.dry_run)
                if not self.dry_run:
                    inbound_index.calls_stored(self.pbx_id, rows, all_new=counts[0] == len(rows))
                return counts
        document = page.document if page.document is not None else _page_json(rows)
        # Sent as the bytes it was written in: no decoding to text and encoding back.
        params = {"pbx": self.pbx_id, "now": now, "rows": Jsonb(document, dumps=_as_written)}
        if self.dry_run:
            return _execute(_COUNT, params)
        with transaction.atomic():
            counts = _insert_new(params, len(rows)) if self.expect_new else None
            if counts is None:
                counts = _execute(_UPSERT, params)
                if sum(counts) < len(rows):
                    _execute(_TOUCH_UNCHANGED, {**params, "keys": list(rows)}, counted=False)
            inbound_index.calls_stored(self.pbx_id, rows, all_new=counts[0] == len(rows))
        self.expect_new = counts == (len(rows), 0)
        return counts


def store_calls(
    pbx_id: int, rows: dict[str, dict], now: dt.datetime, *, dry_run: bool = False
) -> tuple[int, int]:
    """Upsert ``rows`` (key -> Call fields) for the PBX; returns (created, updated).

    Every stored row's ``last_seen_at`` becomes ``now``; "updated" counts the rows whose synced
    fields differ from the stored ones. ``dry_run`` counts without writing.
    """
    return CallWriter(pbx_id, dry_run=dry_run).write(Page(rows), now)


def page_writers(dry_run: bool) -> int:
    """How many connections a run writes its pages with.

    Several on PostgreSQL (``SYNC_WRITERS``), so a long run keeps more than one of the database's
    cores busy. One where that is not possible or not wanted: on other databases (SQLite takes one
    writer at a time), in a dry run (it writes nothing), and inside a caller's transaction (other
    connections could neither see its rows nor be rolled back with it).
    """
    if dry_run or connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, settings.SYNC_WRITERS)


@contextmanager
def page_writer(pbx_id: int, dry_run: bool) -> Iterator[Callable]:
    """A writer thread's ``write``: stores an item's ``page``, returns (created, updated)."""
    writer = CallWriter(pbx_id, dry_run=dry_run)

    def write(item) -> tuple[int, int]:
        attempt = 1
        while True:
            try:
                counts = writer.write(item.page, timezone.now())
                break
            except OperationalError as exc:
                # Two writers' pages can share calls (the history shifted while it was read): the
                # database may then abort one page's statement to break a deadlock. A page is one
                # statement, so writing it again is safe.
                if not _is_deadlock(exc) or attempt == DEADLOCK_WRITES:
                    raise
                logger.info("A page's write was chosen to break a deadlock; writing it again")
                attempt += 1
        if settings.DEBUG and not connection.force_debug_cursor:
            # DEBUG keeps every query's SQL (up to 9,000 of them); a long run would hold hundreds
            # of megabytes of it. Requests start afresh the same way.
            reset_queries()
        return counts

    with commits_without_waiting():
        yield write


def _is_deadlock(exc: OperationalError) -> bool:
    return isinstance(exc.__cause__, psycopg.errors.DeadlockDetected)


# -- PostgreSQL ---------------------------------------------------------------------------------

_TABLE = Call._meta.db_table
_COLUMNS = ("pbx_id", "key", *SYNCED_FIELDS, "first_seen_at", "last_seen_at")
_COLUMN_LIST = ", ".join(_COLUMNS)
# A page travels as one JSON array of rows, [key, start (epoch seconds), <plain fields>, raw],
# which PostgreSQL takes apart itself: one statement and one parameter for the whole page.
_PLAIN_FIELDS = tuple(name for name in SYNCED_FIELDS if name not in ("started_at", "raw"))
_INTEGER_FIELDS = frozenset(
    name for name in _PLAIN_FIELDS if Call._meta.get_field(name).get_internal_type() != "CharField"
)


def _element(name: str, index: int) -> str:
    if name in _INTEGER_FIELDS:
        return f"(item->>{index})::integer AS {name}"
    return f"item->>{index} AS {name}"


# Only identifiers from the model go into the SQL text; the values are parameters.
_INCOMING = (
    "incoming AS (SELECT %(pbx)s::bigint AS pbx_id, item->>0 AS key, "
    "to_timestamp((item->>1)::float8) AS started_at, "
    + ", ".join(_element(name, index) for index, name in enumerate(_PLAIN_FIELDS, start=2))
    + f", item->{len(_PLAIN_FIELDS) + 2} AS raw, "
    "%(now)s::timestamptz AS first_seen_at, %(now)s::timestamptz AS last_seen_at "
    "FROM jsonb_array_elements(%(rows)s::jsonb) AS item)"
)
_STORED_FIELDS = ", ".join(f"{_TABLE}.{name}" for name in SYNCED_FIELDS)
_EXCLUDED_FIELDS = ", ".join(f"EXCLUDED.{name}" for name in SYNCED_FIELDS)
_UPDATES = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*SYNCED_FIELDS, "last_seen_at"))
# New rows are inserted and changed rows rewritten; the statement answers which was which
# (xmax is 0 on a row version this statement inserted). Unchanged rows are left alone here...
_UPSERT = (
    f"WITH {_INCOMING}, written AS ("  # noqa: S608
    f"INSERT INTO {_TABLE} ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM incoming "
    f"ON CONFLICT (pbx_id, key) DO UPDATE SET {_UPDATES} "
    f"WHERE ({_STORED_FIELDS}) IS DISTINCT FROM ({_EXCLUDED_FIELDS}) "
    f"RETURNING {_TABLE}.xmax = 0 AS inserted) "
    "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written"
)
# Calls expected to be new are inserted without ON CONFLICT's search for a stored version first;
# a stored key fails the statement (and only it) with a unique violation.
_INSERT_NEW = (
    f"WITH {_INCOMING} INSERT INTO {_TABLE} ({_COLUMN_LIST}) "  # noqa: S608
    f"SELECT {_COLUMN_LIST} FROM incoming"
)
# ... and only marked as seen again.
_TOUCH_UNCHANGED = (
    f"UPDATE {_TABLE} SET last_seen_at = %(now)s "  # noqa: S608
    "WHERE pbx_id = %(pbx)s AND key = ANY(%(keys)s) AND last_seen_at < %(now)s"
)
# A dry run counts the same way without writing; each key probes the (pbx, key) index.
_STORED_PARTS = ", ".join(f"stored.{name}" for name in SYNCED_FIELDS)
_INCOMING_PARTS = ", ".join(f"incoming.{name}" for name in SYNCED_FIELDS)
_COUNT = (
    f"WITH {_INCOMING} SELECT count(*) FILTER (WHERE stored.id IS NULL), "  # noqa: S608
    f"count(*) FILTER (WHERE stored.id IS NOT NULL AND ({_STORED_PARTS}) "
    f"IS DISTINCT FROM ({_INCOMING_PARTS})) "
    f"FROM incoming LEFT JOIN LATERAL (SELECT * FROM {_TABLE} "
    "WHERE pbx_id = incoming.pbx_id AND key = incoming.key) AS stored ON true"
)


def _page_json(rows: dict[str, dict]) -> bytes:
    text = _json_rows(rows, lambda raw: raw)
    # JSON writes a NUL character as \u0000, which no PostgreSQL text or JSON holds: in the rare
    # page that has one, write the records with it replaced (one search of the page's text
    # instead of a walk through every record).
    return _json_rows(rows, storable) if b"\\u0000" in text else text


def _json_rows(rows: dict[str, dict], raw) -> bytes:
    return _dumps(
        [
            [key, fields["started_at"].timestamp(), *map(fields.__getitem__, _PLAIN_FIELDS),
             raw(fields["raw"])]
            for key, fields in rows.items()
        ]
    )  # fmt: skip


def _dumps(value) -> bytes:
    """JSON of ``value`` in UTF-8: orjson's, about five times faster to write than the standard
    library's, or the standard library's for what orjson refuses (an integer beyond 64 bits,
    which JSON allows and PostgreSQL stores)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False).encode()


def _as_written(document: bytes) -> bytes:
    return document


def _execute(statement: str, params: dict, *, counted: bool = True):
    """Run one statement with server-bound parameters; its (created, updated) when ``counted``.

    Bound by the server, the page's JSON travels apart from the statement instead of being quoted
    into its text (Django's cursors bind on the client), a quarter faster a page.
    wrap_database_errors: errors arrive as Django's, and a broken connection is noticed.
    """
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(statement, params, prepare=False)
        return cursor.fetchone() if counted else None


def _insert_new(params: dict, count: int) -> tuple[int, int] | None:
    """Insert a page expected to be new: (count, 0), or None if one of its calls is stored."""
    # Alone, the statement is its own transaction; inside one, a savepoint keeps its failure
    # from aborting the rest.
    fence = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with fence:
            _execute(_INSERT_NEW, params, counted=False)
    except IntegrityError as exc:
        if isinstance(exc.__cause__, psycopg.errors.UniqueViolation):
            return None
        raise
    return count, 0


# -- other databases ----------------------------------------------------------------------------


def _store_by_orm(pbx_id: int, rows: dict[str, dict], now: dt.datetime, dry_run: bool):
    rows = {key: {**fields, "raw": storable(fields["raw"])} for key, fields in rows.items()}
    stored = {}
    for chunk in _chunks(list(rows)):
        for row in Call.objects.filter(pbx_id=pbx_id, key__in=chunk).values("key", *SYNCED_FIELDS):
            stored[row["key"]] = row
    changed_or_new, unchanged = [], []
    created = updated = 0
    for key, fields in rows.items():
        old = stored.get(key)
        if old is None:
            created += 1
            changed_or_new.append(key)
        elif any(old[name] != fields[name] for name in SYNCED_FIELDS):
            updated += 1
            changed_or_new.append(key)
        else:
            unchanged.append(key)
    if dry_run:
        return created, updated
    if changed_or_new:
        Call.objects.bulk_create(
            [Call(pbx_id=pbx_id, key=key, last_seen_at=now, **rows[key]) for key in changed_or_new],
            update_conflicts=True,
            unique_fields=["pbx", "key"],
            update_fields=[*SYNCED_FIELDS, "last_seen_at"],
            batch_size=CHUNK,
        )
    for chunk in _chunks(unchanged):
        Call.objects.filter(pbx_id=pbx_id, key__in=chunk).update(last_seen_at=now)
    return created, updated


def _chunks(items: list, size: int = CHUNK):
    for index in range(0, len(items), size):
        yield items[index : index + size]
