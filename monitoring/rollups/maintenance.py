# ruff: noqa: S608 - the SQL is built from the models' names and fixed lists, never from input
"""Keeping the hourly rollup equal to the calls: triggers on the call table, and the rebuild.

The rollup is kept by the database itself, in the statement that writes the calls: the sync's
pages (its custom SQL, COPY, the ORM's path on SQLite), calls read again with changed fields,
retention and a PBX's removal all update it in their own transaction, and no code that writes
calls has to remember it.

- New calls add to their rows (INSERT … ON CONFLICT DO UPDATE, rows locked in key order, so two
  writers never deadlock on them); a call whose counted fields change is taken away from its
  old row and added to its new one; a deleted call is taken away. Additions commute, so the
  order the statement's triggers fire in (an upsert fires both) does not matter.
- A longest wait cannot be taken back by subtraction: the rows that lost calls count theirs
  again from the calls, in a later statement than the one that locked them (so it sees what a
  writer that held them committed); a row left without calls is deleted.

On PostgreSQL statement triggers read the statement's rows at once (transition tables); on SQLite
row triggers do the same per call. `rebuild` recounts from the calls with the same aggregate.
Other databases have no rollup: `maintained()` is False and the figures read the calls.
"""

from datetime import datetime

from django.db import connection as default_connection
from django.db import transaction

from monitoring.rollups.models import (
    KEY_FIELDS,
    TOTAL_KEY_FIELDS,
    WAIT_BOUNDS,
    CallHour,
    CallHourTotal,
    within_field,
)

CALLS = "monitoring_call"
# Each rollup table and the call fields it is keyed by besides the PBX and the hour.
LEVELS = ((CallHour._meta.db_table, KEY_FIELDS),
          (CallHourTotal._meta.db_table, TOTAL_KEY_FIELDS))  # fmt: skip
ROLLUP = CallHour._meta.db_table
MEASURES = (
    "calls",
    "talk_seconds",
    "wait_seconds",
    "wait_max",
    *(within_field(bound) for bound in WAIT_BOUNDS),
)
# Fields of a call whose change moves it in the rollup.
COUNTED = ("pbx_id", "started_at", *KEY_FIELDS, "talk_seconds", "wait_seconds")
TRIGGERS = ("monitoring_call_hour_added", "monitoring_call_hour_changed",
            "monitoring_call_hour_removed")  # fmt: skip


def maintained(connection=default_connection) -> bool:
    """Whether this database keeps the rollup (PostgreSQL and SQLite do)."""
    return connection.vendor in ("postgresql", "sqlite")


def _key(fields) -> tuple:
    return ("pbx_id", "hour", *fields)


def _columns(fields) -> str:
    return ", ".join((*_key(fields), *MEASURES))


def _group(fields) -> str:
    return ", ".join(str(n) for n in range(1, len(fields) + 3))


def _hour(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"date_trunc('hour', {column}, 'UTC')"
    return f"strftime('%Y-%m-%d %H:00:00', {column})"


def _aggregate(vendor: str, fields, alias: str = "c") -> str:
    """The rollup columns (key, then MEASURES) of the calls `alias`, grouped by _group."""
    keys = ", ".join(f"{alias}.{name}" for name in fields)
    if vendor == "postgresql":
        within = [f"count(*) FILTER (WHERE {alias}.wait_seconds <= {b})" for b in WAIT_BOUNDS]
    else:
        within = [f"sum({alias}.wait_seconds <= {b})" for b in WAIT_BOUNDS]
    return (
        f"{alias}.pbx_id, {_hour(vendor, f'{alias}.started_at')}, {keys}, count(*), "
        f"sum({alias}.talk_seconds), sum({alias}.wait_seconds), max({alias}.wait_seconds), "
        + ", ".join(within)
    )


def _increments(vendor: str) -> str:
    rest = [f"{name} = r.{name} + EXCLUDED.{name}" for name in MEASURES if name != "wait_max"]
    if vendor == "postgresql":
        return ", ".join([*rest, "wait_max = GREATEST(r.wait_max, EXCLUDED.wait_max)"])
    rest = [f"{name} = {name} + excluded.{name}" for name in MEASURES if name != "wait_max"]
    return ", ".join([*rest, "wait_max = max(wait_max, excluded.wait_max)"])


_CALL_COLUMNS = ", ".join(COUNTED)


def _postgresql_delta(op: str) -> str:
    """The statement's calls with a sign: +1 added, -1 removed (an update: both, for the calls
    whose counted fields changed)."""
    if op == "INSERT":
        return f"SELECT 1 AS sign, {_CALL_COLUMNS} FROM added"
    if op == "DELETE":
        return f"SELECT -1 AS sign, {_CALL_COLUMNS} FROM removed"
    changed = " OR ".join(f"o.{name} IS DISTINCT FROM n.{name}" for name in COUNTED)
    pairs = f"removed AS o JOIN added AS n ON n.id = o.id WHERE {changed}"
    old = ", ".join(f"o.{name}" for name in COUNTED)
    new = ", ".join(f"n.{name}" for name in COUNTED)
    return f"SELECT -1 AS sign, {old} FROM {pairs} UNION ALL SELECT 1, {new} FROM {pairs}"


def _postgresql_body(op: str, table: str, fields) -> str:
    """Add the signed calls to their rows of `table` (longest waits only grow here), then count
    the longest wait of the rows that lost calls again from the calls, and drop the rows left
    empty."""
    delta = f"WITH delta AS ({_postgresql_delta(op)}) "
    keys = ", ".join(f"d.{name}" for name in fields)
    group = _group(fields)
    within = ", ".join(
        f"coalesce(sum(d.sign) FILTER (WHERE d.wait_seconds <= {bound}), 0)"
        for bound in WAIT_BOUNDS
    )
    add = (
        f"{delta}INSERT INTO {table} AS r ({_columns(fields)}) "
        f"SELECT d.pbx_id, {_hour('postgresql', 'd.started_at')}, {keys}, sum(d.sign), "
        "sum(d.sign * d.talk_seconds), sum(d.sign * d.wait_seconds), "
        f"coalesce(max(d.wait_seconds) FILTER (WHERE d.sign > 0), 0), {within} "
        f"FROM delta AS d GROUP BY {group} ORDER BY {group} "
        f"ON CONFLICT ({', '.join(_key(fields))}) DO UPDATE SET {_increments('postgresql')};"
    )
    if op == "INSERT":
        return add
    lost = (
        f"{delta}, k AS (SELECT DISTINCT d.pbx_id, {_hour('postgresql', 'd.started_at')} AS hour, "
        f"{keys} FROM delta AS d WHERE d.sign < 0) "
    )
    match = " AND ".join(f"r.{name} = k.{name}" for name in _key(fields))
    same_group = " AND ".join(f"c.{name} = r.{name}" for name in fields)
    longest = (
        f"{lost}UPDATE {table} AS r SET wait_max = coalesce((SELECT max(c.wait_seconds) "
        f"FROM {CALLS} AS c WHERE c.pbx_id = r.pbx_id AND c.started_at >= r.hour "
        f"AND c.started_at < r.hour + INTERVAL '1 hour' AND {same_group}), 0) "
        f"FROM k WHERE {match} AND r.calls > 0;"
    )
    empty = f"{lost}DELETE FROM {table} AS r USING k WHERE {match} AND r.calls = 0;"
    return f"{add}\n{longest}\n{empty}"


def _postgresql_sql() -> list[str]:
    statements = []
    for op, name, tables in (
        ("INSERT", "monitoring_call_hour_added", "NEW TABLE AS added"),
        ("UPDATE", "monitoring_call_hour_changed", "OLD TABLE AS removed NEW TABLE AS added"),
        ("DELETE", "monitoring_call_hour_removed", "OLD TABLE AS removed"),
    ):
        body = "\n".join(_postgresql_body(op, table, fields) for table, fields in LEVELS)
        statements += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body} RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS {name} ON {CALLS}",
            f"CREATE TRIGGER {name} AFTER {op} ON {CALLS} REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def _sqlite_add(row: str, sign: int, table: str, fields) -> str:
    """The statements adding (sign 1) or taking away (-1) the call `row` (NEW or OLD)."""
    hour = _hour("sqlite", f"{row}.started_at")
    keys = ", ".join(f"{row}.{name}" for name in fields)
    if sign > 0:
        within = ", ".join(f"{row}.wait_seconds <= {bound}" for bound in WAIT_BOUNDS)
        return (
            f"INSERT INTO {table} ({_columns(fields)}) VALUES ({row}.pbx_id, {hour}, {keys}, 1, "
            f"{row}.talk_seconds, {row}.wait_seconds, {row}.wait_seconds, {within}) "
            f"ON CONFLICT ({', '.join(_key(fields))}) DO UPDATE SET {_increments('sqlite')};"
        )
    match = " AND ".join(
        [f"pbx_id = {row}.pbx_id", f"hour = {hour}"] + [f"{name} = {row}.{name}" for name in fields]
    )
    within = ", ".join(
        f"{within_field(bound)} = {within_field(bound)} - ({row}.wait_seconds <= {bound})"
        for bound in WAIT_BOUNDS
    )
    same_group = " AND ".join(f"c.{name} = {row}.{name}" for name in fields)
    return f"""
        UPDATE {table} SET calls = calls - 1, talk_seconds = talk_seconds - {row}.talk_seconds,
            wait_seconds = wait_seconds - {row}.wait_seconds, {within} WHERE {match};
        UPDATE {table} SET wait_max = coalesce((SELECT max(c.wait_seconds) FROM {CALLS} AS c
            WHERE c.pbx_id = {row}.pbx_id AND c.started_at >= {hour}
            AND c.started_at < strftime('%Y-%m-%d %H:00:00', {row}.started_at, '+1 hour')
            AND {same_group}), 0) WHERE {match};
        DELETE FROM {table} WHERE {match} AND calls = 0;"""


def _sqlite_each(row: str, sign: int) -> str:
    return " ".join(_sqlite_add(row, sign, table, fields) for table, fields in LEVELS)


def _sqlite_sql() -> list[str]:
    changed = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in COUNTED)
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
        f"CREATE TRIGGER monitoring_call_hour_added AFTER INSERT ON {CALLS} "
        f"BEGIN {_sqlite_each('NEW', 1)} END",
        f"CREATE TRIGGER monitoring_call_hour_changed AFTER UPDATE ON {CALLS} WHEN {changed} "
        f"BEGIN {_sqlite_each('OLD', -1)} {_sqlite_each('NEW', 1)} END",
        f"CREATE TRIGGER monitoring_call_hour_removed AFTER DELETE ON {CALLS} "
        f"BEGIN {_sqlite_each('OLD', -1)} END",
    ]


def install(connection=default_connection) -> None:
    """Create (or replace) the triggers that keep the rollup; idempotent."""
    if not maintained(connection):
        return
    statements = _postgresql_sql() if connection.vendor == "postgresql" else _sqlite_sql()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection=default_connection) -> None:
    if not maintained(connection):
        return
    on = f" ON {CALLS}" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
        if connection.vendor == "postgresql":
            for name in TRIGGERS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def rebuild(
    pbx_id: int | None = None, since: datetime | None = None, connection=default_connection
) -> int:
    """Recount the rollup from the calls (of one PBX, of the hours from `since` on); returns
    how many rows the rollup by extension now has for that scope.

    Writes to the calls wait meanwhile (PostgreSQL: the call table is locked in SHARE mode; it
    stays readable), so no sync adds to rows being recounted.
    """
    if not maintained(connection):
        return 0
    vendor = connection.vendor
    where, params = [], []
    if pbx_id is not None:
        where.append("pbx_id = %s")
        params.append(pbx_id)
    if since is not None:
        params.append(since.replace(minute=0, second=0, microsecond=0))
    since_hour = ["hour >= %s"] if since else []
    rollup_where = " AND ".join([*where, *since_hour]) or "1 = 1"
    since_call = ["c.started_at >= %s"] if since else []
    call_where = " AND ".join([*(f"c.{w}" for w in where), *since_call]) or "1 = 1"
    rows = 0
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {CALLS} IN SHARE MODE")
        for table, fields in LEVELS:
            cursor.execute(f"DELETE FROM {table} WHERE {rollup_where}", params)
            group = _group(fields)
            cursor.execute(
                f"INSERT INTO {table} ({_columns(fields)}) SELECT {_aggregate(vendor, fields)} "
                f"FROM {CALLS} AS c WHERE {call_where} GROUP BY {group} ORDER BY {group}",
                params,
            )
            rows = rows or cursor.rowcount
    return rows
