"""store_calls and CallWriter: a page of normalized calls in, exact created/updated counts out,
on every database.

The same specification runs on SQLite (the ORM path) and, with DATABASE_URL pointing at it, on
PostgreSQL (one statement fed by the page as JSON).
"""

import datetime as dt

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.directory import Directory
from monitoring.models import Call
from monitoring.sync.normalize import normalize_record
from monitoring.sync.writer import (
    CallWriter,
    Page,
    commits_without_waiting,
    page_preparer,
    store_calls,
)
from monitoring.tests.factories import make_pbx

pytestmark = pytest.mark.django_db

DIRECTORY = Directory.build([{"TEL_NUM": "101"}, {"TEL_NUM": "102"}])


def record(second: int, **fields) -> dict:
    return {
        "TIMESTAMP": 1793610000 + second,
        "FROM_NUM": "+998 90 123 45 67",
        "FROM_NAME": "Лола",
        "TO_NUM": "101",
        "TO_NAME": "Qabul\tbo'limi\n",
        "CALL_DURATION": 65,
        "ANSWERED_DURATION": 50,
        "STATUS": 4,
        **fields,
    }


def rows(*records) -> dict[str, dict]:
    return {f"key-{index}": normalize_record(raw, DIRECTORY) for index, raw in records}


def test_new_calls_are_created_with_every_field_as_normalized():
    pbx = make_pbx()
    page = rows(
        (1, record(1)), (2, record(2, STATUS=3, ANSWERED_DURATION=0, EXTRA=[1, {"a": None}]))
    )

    assert store_calls(pbx.pk, page, timezone.now()) == (2, 0)

    for key, fields in page.items():
        call = Call.objects.get(pbx=pbx, key=key)
        for name, value in fields.items():
            assert getattr(call, name) == value, name
        assert call.first_seen_at is not None
        assert call.last_seen_at >= call.first_seen_at


def test_storing_the_same_page_again_changes_nothing_but_when_it_was_seen():
    pbx = make_pbx()
    page = rows((1, record(1)), (2, record(2)))
    store_calls(pbx.pk, page, timezone.now())
    first_seen = dict(Call.objects.values_list("key", "first_seen_at"))

    later = timezone.now() + dt.timedelta(minutes=5)
    assert store_calls(pbx.pk, page, later) == (0, 0)

    assert Call.objects.filter(pbx=pbx).count() == 2
    for key, first, last in Call.objects.values_list("key", "first_seen_at", "last_seen_at"):
        assert (first, last) == (first_seen[key], later)


def test_a_changed_call_is_rewritten_and_counted_as_updated():
    pbx = make_pbx()
    store_calls(pbx.pk, rows((1, record(1)), (2, record(2))), timezone.now())
    first_seen = Call.objects.get(pbx=pbx, key="key-1").first_seen_at

    corrected = rows((1, record(1, CALL_DURATION=70)), (2, record(2)), (3, record(3)))
    assert store_calls(pbx.pk, corrected, timezone.now()) == (1, 1)

    call = Call.objects.get(pbx=pbx, key="key-1")
    assert (call.total_seconds, call.wait_seconds, call.raw["CALL_DURATION"]) == (70, 20, 70)
    assert call.first_seen_at == first_seen


def test_keys_are_per_pbx():
    first, second = make_pbx("First"), make_pbx("Second")
    page = rows((1, record(1)))
    assert store_calls(first.pk, page, timezone.now()) == (1, 0)
    assert store_calls(second.pk, page, timezone.now()) == (1, 0)
    assert Call.objects.count() == 2


def test_a_dry_run_counts_the_same_and_writes_nothing():
    pbx = make_pbx()
    store_calls(pbx.pk, rows((1, record(1))), timezone.now())
    before = list(Call.objects.values_list("key", "status_code", "last_seen_at"))

    page = rows((1, record(1, STATUS=2)), (2, record(2)))
    later = timezone.now() + dt.timedelta(hours=1)
    assert store_calls(pbx.pk, page, later, dry_run=True) == (1, 1)

    assert list(Call.objects.values_list("key", "status_code", "last_seen_at")) == before
    assert before[0][:2] == ("key-1", 4)


def test_an_empty_page_touches_nothing():
    pbx = make_pbx()
    with CaptureQueriesContext(connection) as queries:
        assert store_calls(pbx.pk, {}, timezone.now()) == (0, 0)
    assert len(queries) == 0


@pytest.mark.postgres
def test_on_postgresql_a_new_page_is_one_statement(monkeypatch):
    pbx = make_pbx()
    page = rows(*((second, record(second)) for second in range(200)))
    statements = []
    execute = psycopg.Cursor.execute

    def counted(cursor, query, *args, **kwargs):
        statements.append(query)
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    with CaptureQueriesContext(connection) as django_queries:
        assert store_calls(pbx.pk, page, timezone.now()) == (200, 0)
    # One for the calls; the inbound-call index adds its lock and one statement of its own.
    # (The test's own transaction adds savepoints.)
    index = [query["sql"] for query in django_queries if "SAVEPOINT" not in query["sql"]]
    assert len(statements) - len(django_queries) == 1
    assert len(index) == 2
    assert "pg_advisory_xact_lock" in index[0] and "INSERT INTO monitoring_inboundcall" in index[1]
    assert Call.objects.filter(pbx=pbx).count() == 200


@pytest.mark.postgres
def test_on_postgresql_commits_inside_the_block_do_not_wait_for_the_disk_and_after_it_do():
    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    with commits_without_waiting():
        assert setting() == "off"
    assert setting() == "on"


@pytest.mark.postgres
def test_on_postgresql_a_database_error_is_djangos(monkeypatch):
    pbx = make_pbx()
    monkeypatch.setattr("monitoring.sync.writer._UPSERT", "SELECT no_such_column")
    with pytest.raises(DatabaseError) as raised, transaction.atomic():
        store_calls(pbx.pk, rows((1, record(1))), timezone.now())
    assert isinstance(raised.value.__cause__, psycopg.Error)


def test_after_an_all_new_page_the_next_is_taken_as_new_and_still_counted_exactly():
    pbx = make_pbx()
    store_calls(pbx.pk, rows((3, record(3))), timezone.now())
    writer = CallWriter(pbx.pk)
    prepare = page_preparer()

    assert writer.write(prepare(rows((1, record(1)))), timezone.now()) == (1, 0)
    # The next page holds a stored call (key-3) with a change: it is upserted, not duplicated.
    page = rows((2, record(2)), (3, record(3, STATUS=3, ANSWERED_DURATION=0)))
    assert writer.write(prepare(page), timezone.now()) == (1, 1)

    assert Call.objects.filter(pbx=pbx).count() == 3
    assert Call.objects.get(pbx=pbx, key="key-3").status_code == 3


def test_a_page_expected_new_that_is_stored_already_is_only_seen_again():
    pbx = make_pbx()
    page = rows((1, record(1)), (2, record(2)))
    store_calls(pbx.pk, page, timezone.now())
    writer = CallWriter(pbx.pk)
    writer.expect_new = True

    later = timezone.now() + dt.timedelta(minutes=5)
    with transaction.atomic():  # a failed statement must not abort the caller's transaction
        assert writer.write(Page(page), later) == (0, 0)
        assert set(Call.objects.values_list("last_seen_at", flat=True)) == {later}


@pytest.mark.postgres
def test_on_postgresql_pages_after_an_all_new_one_skip_the_upsert(monkeypatch):
    pbx = make_pbx()
    writer = CallWriter(pbx.pk)
    prepare = page_preparer()
    statements = []
    execute = psycopg.Cursor.execute

    def recorded(cursor, query, *args, **kwargs):
        if "INSERT INTO monitoring_call " in str(query):
            statements.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", recorded)
    for second in range(3):
        assert writer.write(prepare(rows((second, record(second)))), timezone.now()) == (1, 0)

    assert ["ON CONFLICT" in statement for statement in statements] == [True, False, False]


def test_a_raw_value_json_allows_but_64_bits_do_not_hold_is_stored():
    pbx = make_pbx()
    page = rows((1, record(1, QUEUE_ID=2**70, NOTE="Лола\x00")))

    assert store_calls(pbx.pk, page, timezone.now()) == (1, 0)

    raw = Call.objects.get(pbx=pbx).raw
    assert (raw["QUEUE_ID"], raw["NOTE"]) == (2**70, "Лола\ufffd")
