"""The XLSX export in the cell types Excel works with, read back with openpyxl as Excel would
see them: date-times in Tashkent time, durations as time values, phone numbers as text, the
header frozen with an autofilter, columns that fit."""

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from monitoring.export_xlsx import DATETIME_FORMAT, DURATION_FORMAT, headers, write_xlsx
from monitoring.models import Call
from monitoring.tests.factories import make_call, make_pbx

pytestmark = pytest.mark.django_db


@pytest.fixture
def workbook_bytes():
    pbx = make_pbx()
    make_call(
        pbx,
        dt.datetime(2026, 3, 9, 23, 30, 5, tzinfo=dt.UTC),  # 04:30:05 on the 10th in Tashkent
        from_number="998945947468",
        from_name="Шахзод Алиев",
        to_number="0712345678",
        extension="101",
        total_seconds=3725,
        talk_seconds=3600,
        wait_seconds=125,
    )
    make_call(pbx, dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC), from_number="+998901234567")
    target = io.BytesIO()
    write_xlsx(Call.objects.order_by("-started_at"), target)
    return target.getvalue()


@pytest.fixture
def sheet(workbook_bytes):
    # Not read-only: the styles and the sheet's settings are read too.
    return load_workbook(io.BytesIO(workbook_bytes)).active


def _stored(workbook_bytes, reference: str) -> str:
    """The cell's XML as stored in the file (what Excel itself reads)."""
    with zipfile.ZipFile(io.BytesIO(workbook_bytes)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    return re.search(rf'<c r="{reference}"[^>]*?(?:/>|>.*?</c>)', xml).group(0)


def test_start_times_are_excel_date_times_in_tashkent_time(sheet, workbook_bytes):
    cell = sheet["A2"]
    assert cell.is_date
    assert cell.value == dt.datetime(2026, 3, 10, 4, 30, 5)
    assert cell.number_format == DATETIME_FORMAT
    # A serial number (days since 1900), not text: Excel sorts, filters and computes with it.
    stored = _stored(workbook_bytes, "A2")
    assert 't="' not in stored or 't="n"' in stored
    assert re.search(r"<v>46091\.1875\d*</v>", stored), stored


def test_durations_are_time_values(sheet):
    total, talk, wait = sheet["I2"], sheet["J2"], sheet["K2"]
    assert (total.value, talk.value, wait.value) == (
        dt.timedelta(hours=1, minutes=2, seconds=5),
        dt.timedelta(hours=1),
        dt.timedelta(minutes=2, seconds=5),
    )
    assert {total.number_format, talk.number_format, wait.number_format} == {DURATION_FORMAT}


def test_durations_are_stored_as_fractions_of_a_day(workbook_bytes):
    stored = _stored(workbook_bytes, "J2")  # one hour of talk
    assert 't="' not in stored or 't="n"' in stored
    assert re.search(r"<v>0\.0416666\d*</v>", stored), stored


def test_phone_numbers_are_text_exactly_as_dialled(sheet):
    assert (sheet["C2"].data_type, sheet["C2"].value) == ("s", "998945947468")
    assert sheet["E2"].value == "0712345678"  # the leading zero stays
    assert sheet["C3"].value == "+998901234567"
    assert (sheet["G2"].data_type, sheet["G2"].value) == ("s", "101")
    assert sheet["D2"].value == "Шахзод Алиев"


def test_the_header_is_frozen_with_an_autofilter_over_every_row(sheet):
    assert [cell.value for cell in sheet[1]] == headers()
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:M3"  # 13 columns: M


def test_each_column_fits_its_header_and_values(sheet):
    for index, label in enumerate(headers()):
        column = sheet.cell(row=1, column=index + 1).column_letter
        width = sheet.column_dimensions[column].width
        assert width >= len(label) + 2, label
        longest = max(len(str(cell.value or "")) for cell in sheet[column][1:])
        if sheet[column][1].data_type == "s":
            assert width >= longest, label
    assert sheet.column_dimensions["A"].width >= len("2026-03-10 04:30:05")
