"""CSV and JSON Lines of calls: local times, safe cells, the raw record untouched, streamed."""

import csv
import datetime as dt
import io
import json

import pytest

from monitoring.export import EXPORT_COLUMNS, iter_csv, iter_jsonl, safe_cell
from monitoring.models import Call
from monitoring.tests.factories import make_pbx

pytestmark = pytest.mark.django_db


@pytest.fixture
def pbx(db):
    """The exports name the PBX of each call: this one is the office's."""
    return make_pbx("Office")


def exported_call(pbx, key, started_at, **fields):
    """A call with only its parties, status and direction set, and a raw record to export."""
    values = {
        "from_number": "+998901234567",
        "to_number": "101",
        "status": "answered",
        "direction": "inbound",
        "raw": {"TIMESTAMP": int(started_at.timestamp()), "EXTRA": [1, {"a": None}]},
        **fields,
    }
    return Call.objects.create(pbx=pbx, key=key, started_at=started_at, **values)


def read_csv(queryset):
    text = "".join(iter_csv(queryset))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_a_header_and_local_iso_times(pbx):
    # 23:30 UTC is already the next day in Tashkent (UTC+5).
    exported_call(pbx, "a", dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), total_seconds=70,
              talk_seconds=50, wait_seconds=20, extension="101", line="712000100")  # fmt: skip

    header, row = read_csv(Call.objects.all())

    assert header == [str(title) for _key, title in EXPORT_COLUMNS]
    assert row[0] == "2026-03-02T04:30:00+05:00"
    assert row[1:3] == ["Inbound", '="+998901234567"']
    assert row[6:] == ['="101"', "Answered", "70", "50", "20", "Office", '="712000100"']


def test_csv_for_other_programs_writes_numbers_plainly(pbx):
    exported_call(pbx, "a", dt.datetime(2026, 3, 1, tzinfo=dt.UTC), extension="101")
    text = "".join(iter_csv(Call.objects.all(), bom=False, for_excel=False))
    _header, row = list(csv.reader(io.StringIO(text)))
    assert (row[2], row[6]) == ("+998901234567", "101")


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(pbx, text):
    exported_call(pbx, "a", dt.datetime(2026, 3, 1, tzinfo=dt.UTC), from_name=text)

    _header, row = read_csv(Call.objects.all())

    assert row[3] == "'" + text
    assert safe_cell("Anvar") == "Anvar" and safe_cell(5) == 5


@pytest.mark.parametrize("number", ["+998901234567", "+998 90 123 45 67"])
def test_a_plain_phone_number_is_left_as_it_is(number):
    assert safe_cell(number) == number


def test_csv_streams_in_chunks_for_many_rows(pbx):
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    Call.objects.bulk_create(
        Call(pbx=pbx, key=str(n), started_at=start + dt.timedelta(seconds=n), raw={})
        for n in range(1200)
    )
    chunks = list(iter_csv(Call.objects.all()))
    assert len(chunks) >= 3
    assert sum(chunk.count("\r\n") for chunk in chunks) == 1201


def test_jsonl_has_every_field_and_the_raw_record_as_received(pbx):
    call = exported_call(pbx, "k1", dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), status_code=4)

    lines = "".join(iter_jsonl(Call.objects.all())).splitlines()

    assert len(lines) == 1
    row = json.loads(lines[0])
    assert row["raw"] == call.raw
    assert row["started_at"] == "2026-03-02T04:30:00+05:00"
    assert (row["key"], row["pbx"], row["status"], row["status_code"]) == (
        "k1",
        "Office",
        "answered",
        4,
    )
    assert {"from_number_normalized", "external_number", "wait_seconds", "first_seen_at"} <= set(
        row
    )
