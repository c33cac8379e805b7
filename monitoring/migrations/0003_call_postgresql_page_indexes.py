"""Two indexes for the pages at scale, on PostgreSQL only (nothing on other databases).

- ``call_number_search_trgm``: "Number contains" on the Calls page matches ``LIKE '%…%'``
  anywhere in a number, which no B-tree index can serve: at a million calls PostgreSQL read every
  row of the period. A GIN trigram index (pg_trgm) over one expression holding every number of a
  call (``monitoring.filters.SearchText``) serves that search instead. The expression below must
  stay exactly the SQL ``IContains(SearchText(), …)`` compiles to, or the planner will not use
  the index (``monitoring/tests/test_pages_at_scale.py`` checks the plan).
- ``call_started`` (declared in ``Call.Meta``, by time, newest first) is rebuilt with every column
  the dashboard's figures read as INCLUDE columns, so the tiles, the chart, the per-extension
  table and peak concurrency read a narrow index (index-only scans) instead of the table's wide
  rows, and a month that is half the table is still read through an index. One index serving
  both the pages' order and the figures, rather than two: each index is paid for by the sync on
  every call it writes.

Neither the trigram index nor the INCLUDE columns can be declared in ``Call.Meta.indexes``: an
operator class, an expression over five columns and INCLUDE columns are PostgreSQL's (SQLite would
warn or fail). pg_trgm is a trusted extension (any user who may create objects in the database may
create it). Indexes are built CONCURRENTLY, so a sync can keep writing calls while a large table
is indexed; the covering ``call_started`` is built under a temporary name and swapped in.
"""

from django.db import migrations

SEARCH_EXPRESSION = (
    "UPPER((\"from_number\" || '|' || \"to_number\" || '|' || \"from_number_normalized\" || '|' || "
    "\"to_number_normalized\" || '|' || \"external_number\")::text)"
)
SEARCH_INDEX = f"USING gin (({SEARCH_EXPRESSION}) gin_trgm_ops)"
STARTED = "(started_at DESC, id DESC)"
STARTED_COVERING = (
    f"{STARTED} INCLUDE (direction, status, extension, external_number, wait_seconds, "
    "talk_seconds, total_seconds)"
)


def _rebuild_started(schema_editor, definition: str) -> None:
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS call_started_new")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY call_started_new ON monitoring_call {definition}"
    )
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS call_started")
    schema_editor.execute("ALTER INDEX call_started_new RENAME TO call_started")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS call_number_search_trgm ON monitoring_call "
        f"{SEARCH_INDEX}"
    )
    _rebuild_started(schema_editor, STARTED_COVERING)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS call_number_search_trgm")
    _rebuild_started(schema_editor, STARTED)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("monitoring", "0002_call_indexes_for_pages"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
