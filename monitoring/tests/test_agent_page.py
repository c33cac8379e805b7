"""The agents: one agent's figures and page, the table of every agent, its sort and its exports,
and who may see which agent. Every figure is checked against a count made here, by plain Python,
over the calls the test stored (monitoring/tests/agent_data.py)."""

import csv
import io
import re
import statistics
from collections import Counter, defaultdict
from html import unescape

import openpyxl
import pytest
from django.urls import reverse

from monitoring.analytics import agents
from monitoring.analytics.agents_export import agents_csv, agents_xlsx
from monitoring.formatting import duration
from monitoring.models import Call
from monitoring.tests.agent_data import (
    EXTENSIONS,
    PERIOD,
    QUERY,
    QUEUE,
    TASHKENT,
    THURSDAY,
    TUESDAY,
    answered_inbound,
    make_world,
)

pytestmark = pytest.mark.django_db
MISSED = {"no_answer", "busy", "failed", "voicemail"}


@pytest.fixture
def world(pbx, operator_user):
    return make_world(pbx, operator_user)


def own_calls(world, pbx_id, extension) -> list[dict]:
    return [
        call
        for call in world.calls
        if call["pbx"] == pbx_id
        and call["extension"] == extension
        and PERIOD.start <= call["started_at"] < PERIOD.end
    ]


def expected(world, pbx_id, extension) -> dict:
    """The agent's figures, counted over the stored calls."""
    own = own_calls(world, pbx_id, extension)
    answered = [call for call in own if answered_inbound(call)]
    waits = [call["wait"] for call in answered]
    talked = [call["talk"] for call in own if call["status"] == "answered"]
    outbound = [call for call in own if call["direction"] == "outbound"]
    made = world.callbacks.get((pbx_id, extension), [])
    return {
        "answered": len(answered),
        "rang_unanswered": sum(
            call["direction"] == "inbound" and call["status"] in MISSED for call in own
        ),
        "average_wait": statistics.mean(waits) if waits else None,
        "median_wait": statistics.median(waits) if waits else None,
        "total_talk": sum(call["talk"] for call in own),
        "average_talk": statistics.mean(talked) if talked else None,
        "outbound": len(outbound),
        "outbound_connected": sum(call["status"] == "answered" for call in outbound),
        "callbacks_made": len(made),
        "callback_median": statistics.median(made) if made else None,
    }


def figures_of(result) -> dict:
    return {
        name: getattr(result, name)
        for name in agents.COLUMNS
        if name not in ("extension", "name") and hasattr(result, name)
    }


def approx(values: dict) -> dict:
    return {
        name: pytest.approx(value) if isinstance(value, float) else value
        for name, value in values.items()
    }


# -- The figures ---------------------------------------------------------------------------------


def test_every_figure_of_an_agent_matches_a_count_of_its_calls(world):
    calls = Call.objects.all()
    for extension in ["101", "102", "103", "104", "99"]:
        got = figures_of(agents.agent_figures(PERIOD, calls, world.pbx, extension))
        want = expected(world, world.pbx.pk, extension)
        assert got == approx(want), extension
    # The same extension on another PBX is another agent.
    got = figures_of(agents.agent_figures(PERIOD, calls, world.branch, "101"))
    assert got == approx(expected(world, world.branch.pk, "101"))
    assert got != figures_of(agents.agent_figures(PERIOD, calls, world.pbx, "101"))


def test_the_callbacks_made_follow_the_calls_and_the_people_who_closed_them(world):
    calls = Call.objects.all()
    # 101: two answered calls out (5 and 25 minutes) and "reached" from 101 (40 minutes); not
    # the wrong number, not the customer calling again, not Monday's missed call.
    result = agents.agent_figures(PERIOD, calls, world.pbx, "101")
    assert (result.callbacks_made, result.callback_median) == (3, 25 * 60)
    # 103: "reached" recorded by a user who had no extension then and has 103 (first) now.
    result = agents.agent_figures(PERIOD, calls, world.pbx, "103")
    assert (result.callbacks_made, result.callback_median) == (1, 20 * 60)
    assert agents.callbacks_made(PERIOD, world.pbx, "104") == (0, None)
    assert agents.callbacks_made(PERIOD, world.branch, "101") == (1, 15 * 60)


def test_a_day_is_a_tashkent_day_with_its_first_and_last_call(world):
    by_day = defaultdict(list)
    for call in own_calls(world, world.pbx.pk, "101"):
        by_day[call["started_at"].astimezone(TASHKENT).date()].append(call["started_at"])
    days = agents.days(PERIOD, Call.objects.all(), world.pbx, "101")
    assert [(d.day, d.calls, d.first, d.last) for d in days] == [
        (day, len(moments), min(moments), max(moments)) for day, moments in sorted(by_day.items())
    ]
    # The boundary calls: Tuesday starts at 00:00:00 and ends at 23:59:59 Tashkent time (19:00
    # UTC the evening before), Wednesday's midnight call is Wednesday's.
    first = {d.day: d.first.astimezone(TASHKENT).strftime("%H:%M:%S") for d in days}
    last = {d.day: d.last.astimezone(TASHKENT).strftime("%H:%M:%S") for d in days}
    assert first[TUESDAY] == "00:00:00" and last[TUESDAY] == "23:59:59"
    assert first[TUESDAY.replace(day=11)] == "00:00:00"
    assert last[THURSDAY] == "23:59:59"
    assert [d.day for d in days] == PERIOD.days


def test_the_hourly_pattern_counts_the_calls_by_tashkent_hour(world):
    counts = defaultdict(Counter)
    for call in own_calls(world, world.pbx.pk, "102"):
        hour = call["started_at"].astimezone(TASHKENT).hour
        if call["direction"] == "outbound":
            counts[hour]["outbound"] += 1
        elif answered_inbound(call):
            counts[hour]["inbound_answered"] += 1
        elif call["direction"] == "inbound" and call["status"] in MISSED:
            counts[hour]["inbound_missed"] += 1
    activity = agents.hourly(PERIOD, Call.objects.all(), world.pbx, "102")
    assert [bucket.start.hour for bucket in activity.buckets] == list(range(24))
    for bucket in activity.buckets:
        want = counts[bucket.start.hour]
        got = (bucket.inbound_answered, bucket.inbound_missed, bucket.outbound)
        assert got == (want["inbound_answered"], want["inbound_missed"], want["outbound"])


# -- The agent's page ----------------------------------------------------------------------------


def tiles(html: str) -> dict[str, str]:
    found = re.findall(r'data-kpi="(\w+)".*?<div class="kpi-value">([^<]*)</div>', html, re.S)
    return {key: unescape(value).strip() for key, value in found}


DURATIONS = {"average_wait", "median_wait", "total_talk", "average_talk", "callback_median"}


def shown(values: dict) -> dict:
    """The figures as the page's tiles print them (the connected calls out are the outbound
    tile's note)."""
    return {
        name: duration(value) if name in DURATIONS else str(value)
        for name, value in values.items()
        if name != "outbound_connected"
    }


def test_the_agent_page_shows_the_figures_the_name_and_the_days(world, admin_client):
    url = reverse("agent_detail", args=[world.pbx.pk, "101"]) + QUERY
    html = admin_client.get(url).content.decode()
    want = expected(world, world.pbx.pk, "101")
    assert tiles(html) == shown(want)
    assert f"{want['outbound_connected']} connected" in html
    assert "Dilnoza Karimova" in html
    assert html.count('data-day="') == len(PERIOD.days)
    assert 'data-day="2026-11-10"' in html and ">00:00:00<" in html and ">23:59:59<" in html
    assert 'class="activity-chart"' in html and 'data-by="hour"' in html


def test_an_agent_without_calls_has_an_empty_page(world, admin_client):
    response = admin_client.get(reverse("agent_detail", args=[world.pbx.pk, "555"]) + QUERY)
    assert response.status_code == 200
    assert tiles(response.content.decode())["answered"] == "0"


def test_an_unknown_pbx_has_no_agents(world, admin_client):
    response = admin_client.get(reverse("agent_detail", args=[world.branch.pk + 99, "101"]))
    assert response.status_code == 404


def test_an_operator_opens_only_their_own_agents(world, operator_client):
    own = reverse("agent_detail", args=[world.pbx.pk, "101"]) + QUERY
    assert operator_client.get(own).status_code == 200
    assert (
        operator_client.get(reverse("agent_detail", args=[world.pbx.pk, "102"])).status_code == 200
    )
    for pbx, extension in [(world.pbx, "103"), (world.branch, "101"), (world.pbx, QUEUE)]:
        response = operator_client.get(reverse("agent_detail", args=[pbx.pk, extension]))
        assert response.status_code == 404, (pbx.name, extension)


# -- The table of every agent --------------------------------------------------------------------


def table_rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-pbx="(\d+)" data-extension="([^"]*)"', html)


def test_the_table_lists_every_agent_but_no_service_number(world, admin_client):
    rows = agents.table(PERIOD, Call.objects.all())
    keys = {(row.pbx_id, row.extension) for row in rows}
    assert keys == {(world.pbx.pk, ext) for ext in EXTENSIONS} | {(world.branch.pk, "101")}
    for row in rows:
        assert figures_of(row) == approx(expected(world, row.pbx_id, row.extension))
    names = {(row.pbx_id, row.extension): row.name for row in rows}
    assert names[world.pbx.pk, "101"] == "Dilnoza Karimova"
    assert names[world.branch.pk, "101"] == "Malika"
    assert names[world.pbx.pk, "103"] == ""  # not in the directory: an agent without a name
    html = admin_client.get(reverse("agent_list") + QUERY).content.decode()
    assert len(table_rows(html)) == len(keys)
    assert f'href="/agents/{world.pbx.pk}/101/{QUERY.replace("&", "&amp;")}"' in html


def extension_order(number: str) -> tuple:
    return (len(number), number)


def expected_order(world, column: str, descending: bool) -> list[tuple[str, str]]:
    """The rows' keys sorted by `column` (extension order breaking ties, empty values last)."""
    keys = [(world.pbx.pk, ext) for ext in EXTENSIONS] + [(world.branch.pk, "101")]
    names = {(world.pbx.pk, "101"): "Dilnoza Karimova", (world.pbx.pk, "102"): "Aziz",
             (world.pbx.pk, "104"): "Bekzod", (world.branch.pk, "101"): "Malika"}  # fmt: skip
    pbx_names = {world.pbx.pk: world.pbx.name, world.branch.pk: world.branch.name}

    def value(key):
        if column == "extension":
            return extension_order(key[1])
        if column == "name":
            return names.get(key, "").casefold() or None
        return expected(world, *key)[column]

    def tie(key):
        return (extension_order(key[1]), pbx_names[key[0]])

    present = sorted((key for key in keys if value(key) is not None), key=tie)
    present.sort(key=value, reverse=descending)
    missing = sorted((key for key in keys if value(key) is None), key=tie)
    return [(str(pbx_id), ext) for pbx_id, ext in present + missing]


@pytest.mark.parametrize("column", agents.COLUMNS)
def test_the_table_sorts_by_every_column_both_ways(world, admin_client, column):
    for descending in (False, True):
        sort = f"-{column}" if descending else column
        html = admin_client.get(reverse("agent_list") + QUERY + f"&sort={sort}").content.decode()
        assert table_rows(html) == expected_order(world, column, descending), sort


def test_an_unknown_sort_falls_back_to_the_most_answered_first(world, admin_client):
    html = admin_client.get(reverse("agent_list") + QUERY + "&sort=;drop").content.decode()
    assert table_rows(html) == expected_order(world, "answered", descending=True)


def test_an_operator_sees_only_their_own_rows_and_cannot_export(world, operator_client):
    html = operator_client.get(reverse("agent_list") + QUERY).content.decode()
    assert sorted(table_rows(html)) == [(str(world.pbx.pk), "101"), (str(world.pbx.pk), "102")]
    assert "export.csv" not in html
    assert operator_client.get(reverse("agent_export_csv") + QUERY).status_code == 403
    assert operator_client.get(reverse("agent_export_xlsx") + QUERY).status_code == 403


def test_the_table_narrows_to_one_extension_on_every_pbx(world, admin_client):
    html = admin_client.get(reverse("agent_list") + QUERY + "&extension=101").content.decode()
    assert sorted(table_rows(html)) == sorted(
        [(str(world.pbx.pk), "101"), (str(world.branch.pk), "101")]
    )


# -- The exports ---------------------------------------------------------------------------------


def seconds(value) -> int | str:
    return "" if value is None else round(value)


def test_the_csv_export_has_a_row_per_agent_with_every_figure(world, supervisor_client):
    response = supervisor_client.get(reverse("agent_export_csv") + QUERY + "&sort=extension")
    assert response["Content-Disposition"] == (
        f'attachment; filename="agents_{TUESDAY}_{THURSDAY}.csv"'
    )
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    header, rows = lines[0], lines[1:]
    assert header[:4] == ["PBX", "Extension", "Name", "Answered"]
    assert "Median wait, seconds" in header
    order = expected_order(world, "extension", descending=False)
    pbx_names = {str(world.pbx.pk): world.pbx.name, str(world.branch.pk): world.branch.name}
    assert [(row[0], row[1]) for row in rows] == [
        (pbx_names[pbx_id], f'="{ext}"') for pbx_id, ext in order
    ]
    for row, (pbx_id, ext) in zip(rows, order, strict=True):
        want = expected(world, int(pbx_id), ext)
        got = dict(zip(header, row, strict=True))
        assert got["Answered"] == str(want["answered"])
        assert got["Rang unanswered"] == str(want["rang_unanswered"])
        assert got["Median wait, seconds"] == str(seconds(want["median_wait"]))
        assert got["Total talk time, seconds"] == str(want["total_talk"])
        assert got["Connected"] == str(want["outbound_connected"])
        assert got["Callbacks"] == str(want["callbacks_made"])
        assert got["Callback median, seconds"] == str(seconds(want["callback_median"]))


def test_the_xlsx_export_has_the_same_rows_with_durations_as_times(world, admin_client):
    response = admin_client.get(reverse("agent_export_xlsx") + QUERY + "&sort=-answered")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["PBX", "Extension", "Name"]
    order = expected_order(world, "answered", descending=True)
    assert [(row[1]) for row in rows[1:]] == [ext for _pbx, ext in order]
    first = dict(zip(header, rows[1], strict=True))
    want = expected(world, int(order[0][0]), order[0][1])
    assert first["Answered"] == want["answered"]
    assert first["Total talk time"].total_seconds() == want["total_talk"]
    assert first["Median wait"].total_seconds() == round(want["median_wait"])
    assert sheet.cell(row=2, column=header.index("Median wait") + 1).number_format == "[h]:mm:ss"


# -- The dashboard's table -----------------------------------------------------------------------


def dashboard_rows(html: str) -> list[str]:
    table = html.split('class="extensions-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-extension="([^"]*)"', table)


def test_the_dashboard_links_each_agent_to_its_page(world, admin_client):
    html = admin_client.get(reverse("dashboard") + QUERY).content.decode()
    # 101 is on two PBXes: the agents table narrowed to it; 102 only on the main PBX's directory.
    assert f"/agents/{world.pbx.pk}/102/{QUERY}".replace("&", "&amp;") in html
    assert (
        "/agents/?period=custom&amp;start=2026-11-10&amp;end=2026-11-12&amp;extension=101" in html
    )


@pytest.mark.parametrize("sort", ["callbacks_made", "-callbacks_made", "-callback_median"])
def test_the_dashboard_table_sorts_by_the_callbacks_too(world, admin_client, sort):
    html = admin_client.get(reverse("dashboard") + QUERY + f"&sort={sort}").content.decode()
    column = sort.removeprefix("-")
    # The dashboard counts an extension over every PBX, its callbacks by the extension recorded
    # as closing them: 101 made four (three here, 15 minutes on the branch), 102 one; 103's
    # outcome was recorded without an extension.
    made = {"101": [5 * 60, 25 * 60, 40 * 60, 15 * 60], "102": [10 * 60]}
    values = {}
    for ext in EXTENSIONS:
        times = made.get(ext, [])
        if column == "callbacks_made":
            values[ext] = len(times)
        else:
            values[ext] = statistics.median(times) if times else None
    present = sorted((ext for ext in EXTENSIONS if values[ext] is not None), key=extension_order)
    present.sort(key=values.get, reverse=sort.startswith("-"))
    missing = sorted((ext for ext in EXTENSIONS if values[ext] is None), key=extension_order)
    assert dashboard_rows(html) == present + missing


def test_an_operators_dashboard_links_only_to_their_own_agents(world, operator_client):
    html = operator_client.get(reverse("dashboard") + QUERY).content.decode()
    table = html.split('class="extensions-table"', 1)[1].split("</table>", 1)[0]
    links = re.findall(r'href="(/agents/[^"]*)"', table)
    # 101 is on both PBXes, but the operator's 101 is the main PBX's.
    assert sorted(link.split("?")[0] for link in links) == [
        f"/agents/{world.pbx.pk}/101/",
        f"/agents/{world.pbx.pk}/102/",
    ]
    for link in links:
        assert operator_client.get(unescape(link)).status_code == 200


def test_the_exports_neutralise_formulas_in_names_from_the_pbx():
    row = agents.AgentRow(pbx_name="Main", extension="101", name='=HYPERLINK("x")', answered=2)
    text = "".join(agents_csv([row]))
    line = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1]
    assert line[:4] == ["Main", '="101"', '\'=HYPERLINK("x")', "2"]
    sheet = openpyxl.load_workbook(io.BytesIO(agents_xlsx([row]))).active
    assert [cell.value for cell in sheet[2]][:4] == ["Main", "101", '\'=HYPERLINK("x")', 2]
