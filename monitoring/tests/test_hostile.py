"""Hostile data from the PBX: markup, quotes, direction overrides, emoji, 10,000-character values
and spreadsheet formulas in history records and live calls. They are stored (long values cut to
their column, the raw record kept whole), shown escaped (direction controls left out), and
exported harmless.

Runs on SQLite and, with DATABASE_URL set, on PostgreSQL, which refuses a value longer than its
column (one such value would fail the whole page of records)."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from monitoring import live
from monitoring.models import Call, LiveCall, SyncRun
from monitoring.sync import sync_pbx
from monitoring.tests.factories import call_record, connect, today_minus

pytestmark = pytest.mark.usefixtures("quick_retries")

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
QUOTES = "\"'><img src=x onerror=alert(2)>"
RTL = "\u202eelif.exe\u202c Ali"
RTL_SHOWN = "elif.exe Ali"  # pages and exports leave the direction controls out
EMOJI = "Dilnoza 📞😀👩‍💻"
LONG_NAME = ("Ж<b>" * 2500)[:10_000]
LONG_NUMBER = "9" * 10_000
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+SUM(1,2)", "-2+3", "@SUM(1)"]
PHONE = "+998901234567"


def hostile_records() -> list[dict]:
    now = today_minus(10).timestamp()
    records = [
        call_record(now, SCRIPT, "101", FROM_NAME=SCRIPT, TO_NAME=QUOTES),
        call_record(now + 1, PHONE, "101", FROM_NAME=RTL, TO_NAME=EMOJI),
        call_record(now + 2, LONG_NUMBER, "101", FROM_NAME=LONG_NAME, TO_NAME=LONG_NAME),
        call_record(now + 3, QUOTES, "102", FROM_NAME=QUOTES, STATUS=3, ANSWERED_DURATION=0),
        call_record(now + 4, "101", LONG_NUMBER + SCRIPT, TO_NAME=SCRIPT),
    ]
    for n, formula in enumerate(FORMULAS):
        records.append(call_record(now + 10 + n, formula, "101", FROM_NAME=formula))
    return records


@pytest.fixture
def hostile(make_kerio_simulator, db):
    simulator = make_kerio_simulator(history_size=0)
    records = simulator.add_history(hostile_records())
    simulator.start_call(SCRIPT, "101", from_name=SCRIPT, to_name=QUOTES, answered=True)
    simulator.start_call(LONG_NUMBER, "102", from_name=LONG_NAME, to_name=RTL + EMOJI)
    pbx = connect(simulator)
    run = sync_pbx(pbx)
    live.poll_live_calls(pbx)
    return pbx, run, records


def test_it_syncs_hostile_records_without_rejecting_any(hostile):
    _pbx, run, records = hostile
    assert run.outcome == SyncRun.Outcome.SUCCESS
    assert (run.fetched, run.created, run.rejected) == (len(records), len(records), 0)


def test_it_cuts_long_values_to_their_column_and_keeps_the_raw_record_whole(hostile):
    call = Call.objects.get(from_name__startswith="Ж<b>")
    assert call.from_name == LONG_NAME[:255]
    assert call.to_name == LONG_NAME[:255]
    assert call.from_number == LONG_NUMBER[:100]
    assert len(call.from_number_normalized) <= 32
    assert len(call.external_number) <= 32
    assert call.raw["FROM_NAME"] == LONG_NAME
    assert call.raw["FROM_NUM"] == LONG_NUMBER
    to_long = Call.objects.get(to_name=SCRIPT)
    assert len(to_long.to_number) == 100
    assert to_long.raw["TO_NUM"] == LONG_NUMBER + SCRIPT


def test_it_keeps_markup_and_unicode_as_text(hostile):
    assert Call.objects.filter(from_name=SCRIPT, to_name=QUOTES, from_number=SCRIPT).exists()
    assert Call.objects.filter(from_name=RTL, to_name=EMOJI).exists()
    calls = LiveCall.objects.all()
    assert {call.from_name for call in calls} == {SCRIPT, LONG_NAME[:255]}
    assert {call.to_name for call in calls} == {QUOTES, RTL + EMOJI}
    assert max(len(call.from_number) for call in calls) == 100


def assert_escaped(html: str, where: str):
    assert "<script>alert" not in html, where
    assert "<img src=x" not in html, where
    assert "<b>" not in html, where


@pytest.mark.parametrize("url_name", ["call_list", "dashboard", "live_calls"])
def test_the_pages_show_hostile_text_escaped(hostile, admin_client, url_name):
    html = admin_client.get(reverse(url_name)).content.decode()
    assert_escaped(html, url_name)
    assert ESCAPED_SCRIPT in html  # shown, as text
    if url_name == "call_list":
        assert EMOJI in html and RTL_SHOWN in html and RTL not in html


def test_the_detail_page_shows_hostile_text_escaped(hostile, admin_client):
    for call in Call.objects.all():
        html = admin_client.get(reverse("call_detail", args=[call.pk])).content.decode()
        assert_escaped(html, f"call {call.pk}")
    call = Call.objects.get(from_name=SCRIPT)
    html = admin_client.get(reverse("call_detail", args=[call.pk])).content.decode()
    assert html.count(ESCAPED_SCRIPT) >= 2  # the field and the raw record


def test_a_hostile_numbers_history_is_escaped(hostile, admin_client):
    for number in ("<script>alert(1)", QUOTES):
        response = admin_client.get(reverse("number_history", args=[number]))
        assert response.status_code == 200
        assert_escaped(response.content.decode(), "number history")


def csv_rows(client) -> list[dict]:
    response = client.get(reverse("call_export_csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def xlsx_book(client):
    response = client.get(reverse("call_export_xlsx"))
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


@pytest.mark.parametrize("formula", FORMULAS)
def test_the_csv_neutralises_formulas(hostile, admin_client, formula):
    rows = csv_rows(admin_client)
    row = next(row for row in rows if row["From name"].endswith(formula))
    assert row["From name"] == "'" + formula
    assert row["From"] == "'" + formula
    cells = [value for row in rows for value in row.values()]
    # Only the form that makes Excel keep a phone number as text: ="998901234567".
    assert not [
        value
        for value in cells
        if value.startswith(("=", "@")) and not re.fullmatch(r'="\+?[0-9]+"', value)
    ]


def test_the_csv_leaves_a_plain_phone_number_as_it_is(hostile, admin_client):
    row = next(row for row in csv_rows(admin_client) if row["From name"] == RTL_SHOWN)
    assert row["From"] == f'="{PHONE}"'  # kept as text by Excel, digits unchanged
    assert row["To name"] == EMOJI


def test_the_xlsx_holds_no_formula(hostile, admin_client):
    sheet = xlsx_book(admin_client)
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert cells
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = [cell.value for cell in cells if isinstance(cell.value, str)]
    for formula in FORMULAS:
        assert "'" + formula in values
    assert PHONE in values
    assert LONG_NAME[:255] in values


def sync_and_poll(make_kerio_simulator, records: list[dict], live_from: str, live_name: str):
    """A PBX holding ``records`` and one call in progress, synced and polled once."""
    simulator = make_kerio_simulator(history_size=0)
    records = simulator.add_history(records)
    simulator.start_call(live_from, "101", from_name=live_name)
    pbx = connect(simulator)
    return pbx, records, sync_pbx(pbx), live.poll_live_calls(pbx)


def test_a_nul_character_does_not_stop_the_sync(make_kerio_simulator, db):
    """PostgreSQL cannot store U+0000 in text or JSON: such a record must not fail the page it
    is on (and with it every later run)."""
    now = today_minus(10).timestamp()
    history = [
        call_record(now, PHONE, "101", FROM_NAME="Ali\x00Vali"),
        call_record(now + 1, "9012\x0034567", "101", **{"X\x00": "\x00"}),
        call_record(now + 2, PHONE, "102", FROM_NAME="Plain"),
        call_record(now + 3, PHONE, "103", ID="7\x0042"),
    ]

    pbx, records, run, snapshot = sync_and_poll(
        make_kerio_simulator, history, "90\x001", "Ali\x00Vali"
    )

    assert run.outcome == SyncRun.Outcome.SUCCESS, run.error
    assert (run.fetched, run.created, run.rejected) == (len(records), len(records), 0)
    call = Call.objects.get(raw__FROM_NAME="Ali\ufffdVali")
    assert call.from_name == "AliVali"
    assert Call.objects.get(from_number="901234567").raw["X\ufffd"] == "\ufffd"
    assert Call.objects.get(to_number="103").key.startswith("id#")
    assert not snapshot.is_stale, snapshot.error
    assert snapshot.calls.get().from_name == "AliVali"
    # A second run finds nothing new: the keys come from the records as received.
    assert sync_pbx(pbx, full=True).created == 0


@pytest.mark.postgres
def test_a_nul_character_only_in_a_key_is_replaced_too(make_kerio_simulator, db):
    """A record whose values are clean but one of whose keys holds U+0000 is stored with the key
    made storable, and the next runs find it stored, on PostgreSQL, which refuses the NUL."""
    simulator = make_kerio_simulator(history_size=0)
    now = today_minus(10).timestamp()
    (record,) = simulator.add_history([call_record(now, PHONE, "101", **{"NOTE\x00": "plain"})])
    pbx = connect(simulator)

    first = sync_pbx(pbx)
    second = sync_pbx(pbx, full=True)

    assert first.outcome == SyncRun.Outcome.SUCCESS, first.error
    assert (first.created, second.outcome, second.created) == (1, SyncRun.Outcome.SUCCESS, 0)
    raw = Call.objects.get().raw
    assert raw["NOTE\ufffd"] == "plain"
    assert "NOTE\x00" in record and "NOTE\x00" not in raw


def test_nan_and_infinity_do_not_stop_the_sync(make_kerio_simulator, db):
    """NaN and Infinity are not JSON, but Python writes them and so may a PBX's encoder. A record
    holding one is kept (the value as text) instead of failing its page, and every later run."""
    simulator = make_kerio_simulator(history_size=0)
    now = today_minus(10).timestamp()
    records = simulator.add_history(
        [
            call_record(now, PHONE, "101", CALL_DURATION=float("inf")),
            call_record(now + 1, PHONE, "102", QUEUE_WAIT=float("nan")),
            call_record(now + 2, PHONE, "103"),
        ]
    )
    simulator.add_malformed({"TIMESTAMP": float("nan"), "FROM_NUM": PHONE, "TO_NUM": "104"})
    pbx = connect(simulator)

    run = sync_pbx(pbx)

    assert run.outcome == SyncRun.Outcome.SUCCESS, run.error
    assert (run.fetched, run.created, run.rejected) == (len(records) + 1, 2, 2)
    assert Call.objects.get(to_number="102").raw["QUEUE_WAIT"] == "NaN"
    rejected = [record.raw for record in run.rejected_records.all()]
    assert {(raw["TIMESTAMP"], raw.get("CALL_DURATION")) for raw in rejected} == {
        ("NaN", None),
        (int(now), "Infinity"),
    }


def test_a_lone_surrogate_does_not_stop_the_sync(make_kerio_simulator, db):
    """JSON may escape half of a UTF-16 pair ("\\ud800"), which decodes to a string no database
    can encode: such a record must not fail the page it is on (and with it every later run)."""
    now = today_minus(10).timestamp()
    history = [
        call_record(now, PHONE, "101", FROM_NAME="Ali\ud800Vali"),
        call_record(now + 1, "9012\udfff34567", "101", **{"X\udc00": "\ud83d"}),
        call_record(now + 2, PHONE, "103", ID="7\ud80042"),
        call_record(now + 3, PHONE, "104", FROM_NAME="Dilnoza 📞"),
    ]

    pbx, records, run, snapshot = sync_and_poll(
        make_kerio_simulator, history, "90\ud8001", "Ali\ud800Vali"
    )

    assert run.outcome == SyncRun.Outcome.SUCCESS, run.error
    assert (run.fetched, run.created, run.rejected) == (len(records), len(records), 0)
    assert Call.objects.get(to_number="101", from_name__startswith="Ali").from_name == (
        "Ali\ufffdVali"
    )
    assert Call.objects.get(from_number="9012\ufffd34567").raw["X\ufffd"] == "\ufffd"
    assert Call.objects.get(to_number="104").from_name == "Dilnoza 📞"
    assert not snapshot.is_stale, snapshot.error
    assert snapshot.calls.get().from_name == "Ali\ufffdVali"
    assert sync_pbx(pbx, full=True).created == 0
