# ruff: noqa: S608 - the SQL is built from the models' names and fixed lists, never from input
"""Keeping the hourly rollup equal to the calls: triggers on the call table, and the rebuild.

The rollup is kept by the database itself, in the statement that writes the calls: the sync's
pages (its custom SQL, COPY, the ORM's path on SQLite), calls read again with changed fields,
retention and a PBX's removal all update it in their own transaction, and no code that writes
calls has to remember it.

- New calls add to their rows (INSERT … ON CONFLICT DO UPDATE, rows locked in key order, so two
  writers never deadlock on them).
- Changed or deleted calls recount the hours they touch (old and new) from the calls: a longest
  wait cannot be taken back by subtraction, and a recount is exact whatever changed.

On PostgreSQL statement triggers read the statement's rows at once (transition tables); on SQLite
row triggers do the same per call. `rebuild` recounts from the calls with the same aggregate.
Other databases have no rollup: `maintained()` is False and the figures read the calls.
"""

from datetime import datetime

from django.db import connection as default_connection
from django.db import transaction

from monitoring.rollups.models import KEY_FIELDS, WAIT_BOUNDS, CallHour, within_field

ROLLUP = CallHour._meta.db_table
CALLS = "monitoring_call"
KEY = ("pbx_id", "hour", *KEY_FIELDS)
MEASURES = (
    "calls",
    "talk_seconds",
    "wait_seconds",
    "wait_max",
    *(within_field(bound) for bound in WAIT_BOUNDS),
)
COLUMNS = ", ".join((*KEY, *MEASURES))
GROUP = ", ".join(str(n) for n in range(1, len(KEY) + 1))
# Fields of a call whose change moves it in the rollup.
COUNTED = ("pbx_id", "started_at", *KEY_FIELDS, "talk_seconds", "wait_seconds")
TRIGGERS = ("monitoring_call_hour_added", "monitoring_call_hour_changed",
            "monitoring_call_hour_removed")  # fmt: skip


def maintained(connection=default_connection) -> bool:
    """Whether this database keeps the rollup (PostgreSQL and SQLite do)."""
    return connection.vendor in ("postgresql", "sqlite")


def _hour(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"date_trunc('hour', {column}, 'UTC')"
    return f"strftime('%Y-%m-%d %H:00:00', {column})"


def _aggregate(vendor: str, alias: str = "c") -> str:
    """The rollup columns (KEY then MEASURES) of the calls `alias`, grouped by GROUP."""
    keys = ", ".join(f"{alias}.{name}" for name in KEY_FIELDS)
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


def _postgresql_sql() -> list[str]:
    changed = " OR ".join(f"o.{name} IS DISTINCT FROM n.{name}" for name in COUNTED)
    hour_o, hour_n = _hour("postgresql", "o.started_at"), _hour("postgresql", "n.started_at")
    added = f"""
        CREATE OR REPLACE FUNCTION monitoring_call_hour_added() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {ROLLUP} AS r ({COLUMNS})
            SELECT {_aggregate("postgresql")} FROM added AS c GROUP BY {GROUP} ORDER BY {GROUP}
            ON CONFLICT ({", ".join(KEY)}) DO UPDATE SET {_increments("postgresql")};
            RETURN NULL;
        END $$"""
    recount = f"""
        CREATE OR REPLACE FUNCTION monitoring_call_hour_recount() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            pbxs bigint[];
            hours timestamptz[];
        BEGIN
            IF TG_OP = 'DELETE' THEN
                SELECT array_agg(t.pbx_id ORDER BY t.pbx_id, t.hour),
                       array_agg(t.hour ORDER BY t.pbx_id, t.hour) INTO pbxs, hours
                FROM (SELECT DISTINCT o.pbx_id, {hour_o} AS hour FROM removed AS o) AS t;
            ELSE
                SELECT array_agg(t.pbx_id ORDER BY t.pbx_id, t.hour),
                       array_agg(t.hour ORDER BY t.pbx_id, t.hour) INTO pbxs, hours
                FROM (SELECT DISTINCT v.pbx_id, v.hour
                      FROM removed AS o JOIN added AS n ON n.id = o.id
                      CROSS JOIN LATERAL (VALUES (o.pbx_id, {hour_o}), (n.pbx_id, {hour_n}))
                          AS v (pbx_id, hour)
                      WHERE {changed}) AS t;
            END IF;
            IF pbxs IS NULL THEN
                RETURN NULL;
            END IF;
            DELETE FROM {ROLLUP} AS r USING unnest(pbxs, hours) AS t (pbx_id, hour)
            WHERE r.pbx_id = t.pbx_id AND r.hour = t.hour;
            INSERT INTO {ROLLUP} ({COLUMNS})
            SELECT {_aggregate("postgresql")}
            FROM unnest(pbxs, hours) AS t (pbx_id, hour)
            JOIN {CALLS} AS c ON c.pbx_id = t.pbx_id
                AND c.started_at >= t.hour AND c.started_at < t.hour + INTERVAL '1 hour'
            GROUP BY {GROUP} ORDER BY {GROUP};
            RETURN NULL;
        END $$"""
    return [
        added,
        recount,
        *(f"DROP TRIGGER IF EXISTS {name} ON {CALLS}" for name in TRIGGERS),
        f"CREATE TRIGGER monitoring_call_hour_added AFTER INSERT ON {CALLS} "
        "REFERENCING NEW TABLE AS added "
        "FOR EACH STATEMENT EXECUTE FUNCTION monitoring_call_hour_added()",
        f"CREATE TRIGGER monitoring_call_hour_changed AFTER UPDATE ON {CALLS} "
        "REFERENCING OLD TABLE AS removed NEW TABLE AS added "
        "FOR EACH STATEMENT EXECUTE FUNCTION monitoring_call_hour_recount()",
        f"CREATE TRIGGER monitoring_call_hour_removed AFTER DELETE ON {CALLS} "
        "REFERENCING OLD TABLE AS removed "
        "FOR EACH STATEMENT EXECUTE FUNCTION monitoring_call_hour_recount()",
    ]


def _sqlite_recount(row: str) -> str:
    """Statements recounting the rollup rows of `row`'s (OLD or NEW) PBX and hour."""
    hour = _hour("sqlite", f"{row}.started_at")
    return f"""
        DELETE FROM {ROLLUP} WHERE pbx_id = {row}.pbx_id AND hour = {hour};
        INSERT INTO {ROLLUP} ({COLUMNS})
        SELECT {_aggregate("sqlite")} FROM {CALLS} AS c
        WHERE c.pbx_id = {row}.pbx_id AND c.started_at >= {hour}
            AND c.started_at < strftime('%Y-%m-%d %H:00:00', {row}.started_at, '+1 hour')
        GROUP BY {GROUP};"""


def _sqlite_sql() -> list[str]:
    within = ", ".join(f"NEW.wait_seconds <= {bound}" for bound in WAIT_BOUNDS)
    keys = ", ".join(f"NEW.{name}" for name in KEY_FIELDS)
    changed = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in COUNTED)
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
        f"""CREATE TRIGGER monitoring_call_hour_added AFTER INSERT ON {CALLS} BEGIN
            INSERT INTO {ROLLUP} ({COLUMNS})
            VALUES (NEW.pbx_id, {_hour("sqlite", "NEW.started_at")}, {keys}, 1,
                NEW.talk_seconds, NEW.wait_seconds, NEW.wait_seconds, {within})
            ON CONFLICT ({", ".join(KEY)}) DO UPDATE SET {_increments("sqlite")};
        END""",
        f"""CREATE TRIGGER monitoring_call_hour_changed AFTER UPDATE ON {CALLS}
        WHEN {changed} BEGIN {_sqlite_recount("OLD")} {_sqlite_recount("NEW")} END""",
        f"""CREATE TRIGGER monitoring_call_hour_removed AFTER DELETE ON {CALLS}
        BEGIN {_sqlite_recount("OLD")} END""",
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
            cursor.execute("DROP FUNCTION IF EXISTS monitoring_call_hour_added()")
            cursor.execute("DROP FUNCTION IF EXISTS monitoring_call_hour_recount()")


def rebuild(
    pbx_id: int | None = None, since: datetime | None = None, connection=default_connection
) -> int:
    """Recount the rollup from the calls (of one PBX, of the hours from `since` on); returns
    how many rollup rows it now has for that scope.

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
        since = since.replace(minute=0, second=0, microsecond=0)
        params.append(since)
    since_hour = ["hour >= %s"] if since else []
    rollup_where = " AND ".join([*where, *since_hour]) or "TRUE"
    since_call = ["c.started_at >= %s"] if since else []
    call_where = " AND ".join([*(f"c.{w}" for w in where), *since_call]) or "TRUE"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {CALLS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {ROLLUP} WHERE {rollup_where}", params)
        cursor.execute(
            f"INSERT INTO {ROLLUP} ({COLUMNS}) SELECT {_aggregate(vendor)} "
            f"FROM {CALLS} AS c WHERE {call_where} GROUP BY {GROUP} ORDER BY {GROUP}",
            params,
        )
        return cursor.rowcount
