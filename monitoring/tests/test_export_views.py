"""CSV and XLSX exports of the filtered calls."""

import csv
import datetime as dt
import io

from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from monitoring.models import CallStatus
from monitoring.tests.factories import DAY, day_query, local, make_call

HEADER = [
    "Start time",
    "Direction",
    "From",
    "From name",
    "To",
    "To name",
    "Extension",
    "Status",
    "Total, seconds",
    "Talk, seconds",
    "Wait, seconds",
    "PBX",
    "Line dialled",
]
XLSX_HEADER = [*HEADER[:8], "Total duration", "Talk time", "Wait time", "PBX", "Line dialled"]


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[list]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_csv_holds_exactly_the_filtered_calls(admin_client, pbx):
    make_call(pbx, local(DAY, 9), status=CallStatus.BUSY, from_name="Busy caller")
    make_call(pbx, local(DAY, 10), status=CallStatus.ANSWERED, from_name="Answered caller")
    make_call(pbx, local(DAY, 11), status=CallStatus.BUSY, from_name="Busy again")
    next_day = local(DAY + dt.timedelta(days=1), 9)
    make_call(pbx, next_day, status=CallStatus.BUSY, from_name="Next day")
    response = admin_client.get(reverse("call_export_csv"), day_query(status="busy"))
    assert isinstance(response, StreamingHttpResponse)
    rows = csv_rows(response)
    assert rows[0] == HEADER
    assert [row[3] for row in rows[1:]] == ["Busy again", "Busy caller"]


def test_the_csv_row_has_every_column_in_local_time(admin_client, pbx):
    make_call(
        pbx,
        dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC),
        from_number="901234567",
        from_name="Ali",
        to_number="101",
        to_name="Reception",
        total_seconds=75,
        talk_seconds=60,
        wait_seconds=15,
        line="+998712000100",
    )
    response = admin_client.get(reverse("call_export_csv"), day_query())
    assert csv_rows(response)[1] == [
        "2026-03-10T04:30:00+05:00",
        "Inbound",
        '="901234567"',  # Excel keeps it as text
        "Ali",
        '="101"',
        "Reception",
        '="101"',
        "Answered",
        "75",
        "60",
        "15",
        "Main",
        '="+998712000100"',  # the line dialled, as text too
    ]


def test_the_exports_neutralise_formulas_but_not_phone_numbers(admin_client, pbx):
    make_call(
        pbx,
        from_name="=HYPERLINK(1)",
        to_name="@SUM(A1)",
        from_number="+998901234567",
        to_number="-1+cmd",
    )
    csv_row = csv_rows(admin_client.get(reverse("call_export_csv"), day_query()))[1]
    xlsx_row = xlsx_rows(admin_client.get(reverse("call_export_xlsx"), day_query()))[1]
    assert csv_row[2] == '="+998901234567"'  # a text formula of digits only, for Excel
    assert xlsx_row[2] == "+998901234567"
    for row in (csv_row, xlsx_row):
        assert row[3] == "'=HYPERLINK(1)"
        assert row[4] == "'-1+cmd"
        assert row[5] == "'@SUM(A1)"


def test_the_xlsx_holds_exactly_the_filtered_calls(admin_client, pbx):
    make_call(pbx, local(DAY, 9), status=CallStatus.BUSY, from_name="Busy caller")
    make_call(pbx, local(DAY, 10), status=CallStatus.ANSWERED, from_name="Answered caller")
    make_call(
        pbx, dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC), status=CallStatus.BUSY,
        from_name="Late", total_seconds=42,
    )  # fmt: skip
    response = admin_client.get(reverse("call_export_xlsx"), day_query(status="busy"))
    assert isinstance(response, FileResponse)
    rows = xlsx_rows(response)
    assert rows[0] == XLSX_HEADER
    assert [row[3] for row in rows[1:]] == ["Busy caller", "Late"]
    assert rows[2][0] == dt.datetime(2026, 3, 10, 4, 30)  # Tashkent time
    assert rows[2][8] == dt.timedelta(seconds=42)


def test_the_file_names_carry_the_period(admin_client, pbx):
    csv_response = admin_client.get(reverse("call_export_csv"), day_query())
    assert 'filename="calls_2026-03-10.csv"' in csv_response["Content-Disposition"]
    week = {"period": "custom", "start": "2026-03-01", "end": "2026-03-07"}
    xlsx_response = admin_client.get(reverse("call_export_xlsx"), week)
    assert 'filename="calls_2026-03-01_2026-03-07.xlsx"' in xlsx_response["Content-Disposition"]


def test_invalid_filters_go_back_to_the_page_with_the_errors(admin_client, pbx):
    response = admin_client.get(reverse("call_export_csv"), day_query(status="nope"))
    assert response.status_code == 302
    page = admin_client.get(response["Location"])
    assert "status" in page.context["form"].errors


def test_the_export_reads_rows_in_chunks_not_all_at_once(
    admin_client, pbx, django_assert_max_num_queries
):
    for minute in range(50):
        make_call(pbx, local(DAY, 10, minute))
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("call_export_csv"), day_query())
        first_chunk = next(iter(response.streaming_content))
    # Nothing but the header has been read before the first chunk is sent.
    assert first_chunk.decode("utf-8-sig").startswith("Start time,")
    rest = b"".join(response.streaming_content).decode()
    assert rest.count("\r\n") == 50
