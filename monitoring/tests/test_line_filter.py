"""The company line an inbound call dialled on the Calls page: a column, a filter that finds the
line however the record wrote it, and both exports."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from monitoring.filters import line_forms
from monitoring.models import Direction
from monitoring.tests.factories import DAY, day_query, local, make_call, matching

CALLS = reverse("call_list")


@pytest.mark.parametrize(
    "typed", ["+998 71 200-01-00", "712000100", "998712000100", "8 712 00 01 00", "(71) 2000100"]
)
def test_an_uzbek_line_is_found_in_every_form_a_record_writes_it(typed):
    assert set(line_forms(typed)) == {
        "712000100",
        "998712000100",
        "+998712000100",
        "0712000100",
        "8712000100",
    }


def test_a_short_or_foreign_line_is_found_as_typed():
    assert line_forms(" 1234 ") == ["1234"]
    assert line_forms("+7 495 123-45-67") == ["+74951234567"]
    assert line_forms("no digits") == []


@pytest.fixture
def lines(pbx):
    """Calls of DAY to two company lines, the first written in two forms, and one without."""
    return {
        "city 1": make_call(pbx, local(DAY, 9), line="+998712000100", from_name="city 1"),
        "city 2": make_call(pbx, local(DAY, 10), line="712000100", from_name="city 2"),
        "mobile": make_call(pbx, local(DAY, 11), line="781500300", from_name="mobile"),
        "outbound": make_call(
            pbx, local(DAY, 12), direction=Direction.OUTBOUND, from_name="outbound"
        ),
    }


def test_the_filter_selects_the_calls_to_one_line(lines):
    chosen = matching(day_query(line="71 200 01 00"))
    assert sorted(chosen) == sorted([lines["city 1"].pk, lines["city 2"].pk])
    assert matching(day_query(line="+998781500300")) == [lines["mobile"].pk]
    assert matching(day_query(line="999")) == []
    assert len(matching(day_query(line=""))) == 4


def rows(html: str) -> dict[str, str]:
    """Each listed call's name and the text of its line cell."""
    found = {}
    for row in re.findall(r"<tr data-call=.*?</tr>", html, re.S):
        name = re.search(r'class="name"[^>]*>([^<]*)<', row)[1]
        cell = re.search(r'<td class="secondary line">(.*?)</td>', row, re.S)[1]
        found[name] = unescape(re.sub(r"<[^>]+>", "", cell)).strip()
    return found


def test_the_calls_page_shows_the_line_and_filters_by_it(admin_client, lines):
    html = admin_client.get(CALLS, day_query()).content.decode()
    assert '<label for="id_line">Line dialled</label>' in html
    assert rows(html) == {
        "city 1": "+998712000100",
        "city 2": "712000100",
        "mobile": "781500300",
        "outbound": "—",
    }
    filtered = admin_client.get(CALLS, day_query(line="712000100")).content.decode()
    assert sorted(rows(filtered)) == ["city 1", "city 2"]


def test_a_line_links_to_its_calls_keeping_the_other_filters(admin_client, lines):
    html = admin_client.get(CALLS, day_query(status="answered")).content.decode()
    link = re.search(r'<td class="secondary line"><a href="([^"]*)"[^>]*>781500300<', html)[1]
    query = unescape(link)
    assert "line=781500300" in query and "status=answered" in query
    assert sorted(rows(admin_client.get(CALLS + query).content.decode())) == ["mobile"]


def test_the_call_page_shows_its_line(admin_client, lines):
    html = admin_client.get(reverse("call_detail", args=[lines["mobile"].pk])).content.decode()
    assert re.search(r"Line dialled</th><td>781500300</td>", html)


def test_the_exports_carry_the_line_and_keep_its_filter(admin_client, lines):
    response = admin_client.get(reverse("call_export_csv"), day_query(line="712000100"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *body = list(csv.reader(io.StringIO(text)))
    assert header[-1] == "Line dialled"
    assert sorted((row[3], row[-1]) for row in body) == [
        ("city 1", '="+998712000100"'),
        ("city 2", '="712000100"'),
    ]
    response = admin_client.get(reverse("call_export_xlsx"), day_query(line="781500300"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header, *body = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert header[-1] == "Line dialled"
    assert [(row[3], row[-1]) for row in body] == [("mobile", "781500300")]
