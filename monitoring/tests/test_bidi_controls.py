"""Names and numbers from the PBX are shown and exported without bidirectional controls: a
right-to-left override in a caller's name cannot turn the text around it. The stored call and
its raw record keep what the PBX sent; the detail page shows the raw record's controls escaped."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from monitoring.formatting import BIDI_CONTROLS
from monitoring.models import Call, LiveCall, LiveSnapshot
from monitoring.tests.factories import described_call, today_minus

OVERRIDE = "\u202e"
NAME = f"Ali{OVERRIDE}exe.jpg\u2066Vali\u2069\u200f"
NUMBER = f"90{OVERRIDE}1234567"


@pytest.fixture
def hostile_call(pbx):
    at = today_minus(10)
    raw = {"FROM_NAME": NAME, "FROM_NUM": NUMBER}
    return described_call(
        pbx, at, "inbound", "no_answer", 20, 0, NUMBER, f"10{OVERRIDE}1",
        from_name=NAME, to_name=NAME, raw=raw,
    )  # fmt: skip


def assert_neutral(text: str, where: str):
    found = sorted({f"U+{ord(char):04X}" for char in text if char in BIDI_CONTROLS})
    assert not found, f"{where} shows {found}"


def test_the_calls_page_shows_names_and_numbers_without_them(admin_client, hostile_call):
    html = admin_client.get(reverse("call_list")).content.decode()
    assert_neutral(html, "the calls page")
    assert "Aliexe.jpgVali" in html and "901234567" in html


def test_the_detail_page_shows_them_neutral_and_the_raw_record_escaped(admin_client, hostile_call):
    html = admin_client.get(reverse("call_detail", args=[hostile_call.pk])).content.decode()
    assert_neutral(html, "the call's page")
    assert "Aliexe.jpgVali" in html
    assert "Ali\\u202eexe.jpg\\u2066Vali\\u2069\\u200f" in html  # the raw record, escaped
    stored = Call.objects.get(pk=hostile_call.pk)
    assert (stored.from_name, stored.raw["FROM_NAME"]) == (NAME, NAME)


def test_the_dashboard_shows_them_neutral(admin_client, hostile_call):
    snapshot = LiveSnapshot.objects.create(
        pbx=hostile_call.pbx, taken_at=timezone.now(), is_stale=False
    )
    LiveCall.objects.create(
        snapshot=snapshot, from_number=NUMBER, from_name=NAME, to_number="101", state="ringing"
    )
    html = admin_client.get(reverse("dashboard")).content.decode()
    assert 'data-number="' in html  # the missed call is listed, with its name
    assert "Aliexe.jpgVali" in html
    assert_neutral(html, "the dashboard")


def test_the_exports_hold_them_neutral(admin_client, hostile_call):
    response = admin_client.get(reverse("call_export_csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert_neutral(text, "the CSV export")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert (row["From"], row["From name"]) == ("901234567", "Aliexe.jpgVali")
    response = admin_client.get(reverse("call_export_xlsx"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = [str(cell) for row in book.active.iter_rows(values_only=True) for cell in row]
    assert_neutral("".join(cells), "the XLSX export")
    assert "Aliexe.jpgVali" in cells
