"""An operator sees only the calls of their own extensions, on every page that shows calls;
a supervisor sees them all; neither sees the settings."""

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import OperatorProfile
from accounts.roles import Role
from accounts.testing import make_user
from monitoring.models import Call, LiveCall, LiveSnapshot, SyncState
from monitoring.sync import sync_pbx
from monitoring.tests.factories import described_call, live_snapshot, today_minus
from providers.kerio.simulator.demo import ANSWERED, EXTERNAL, LINE
from providers.models import PbxConnection
from providers.testing import simulator_connection


@pytest.fixture
def calls(pbx):
    """Three calls of the operator's extensions (101, 102), two of others'; 901111111 called
    both 101 and 103."""
    at = [today_minus(30 + n) for n in range(5)]
    mine = [
        described_call(pbx, at[0], "inbound", "answered", 70, 60, "901111111", "101"),
        described_call(pbx, at[1], "outbound", "answered", 40, 30, "902222222", "102"),
        described_call(pbx, at[2], "internal", "answered", 20, 10, "", "103", to_number="101"),
    ]
    theirs = [
        described_call(pbx, at[3], "inbound", "no_answer", 25, 0, "901111111", "103"),
        described_call(pbx, at[4], "outbound", "answered", 90, 80, "903333333", "104"),
    ]
    return {"mine": mine, "theirs": theirs}


@pytest.fixture
def op101_client(client, pbx):
    """An operator of extension 101 alone."""
    user = make_user("umid", Role.OPERATOR, extensions="101", pbx=pbx)
    client.force_login(user)
    return client


def listed_calls(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr data-call="(\d+)">', html)}


def ids(items) -> set[int]:
    return {call.pk for call in items}


def tiles(html: str) -> dict[str, str]:
    found = re.findall(
        r'data-kpi="(\w+)"[^>]*title="([^"]*)".*?<div class="kpi-value">([^<]*)</div>', html, re.S
    )
    return {key: unescape(value).strip() for key, _title, value in found}


# -- Calls list, detail, exports, number history -------------------------------------------------


def test_it_hides_other_extensions_calls_from_the_list(operator_client, calls):
    html = operator_client.get(reverse("call_list")).content.decode()
    assert listed_calls(html) == ids(calls["mine"])
    assert "903333333" not in html and "104" not in re.findall(r"<td>(\d+)</td>", html)


def test_an_operator_of_one_extension_sees_only_its_calls(op101_client, calls):
    html = op101_client.get(reverse("call_list")).content.decode()
    assert listed_calls(html) == {calls["mine"][0].pk, calls["mine"][2].pk}


def test_a_supervisor_sees_every_call(supervisor_client, calls):
    html = supervisor_client.get(reverse("call_list")).content.decode()
    assert listed_calls(html) == ids(calls["mine"] + calls["theirs"])


def test_it_answers_404_for_another_extensions_call(operator_client, calls):
    for call in calls["theirs"]:
        response = operator_client.get(reverse("call_detail", args=[call.pk]))
        assert response.status_code == 404
        assert call.external_number.encode() not in response.content
    mine = calls["mine"][0]
    response = operator_client.get(reverse("call_detail", args=[mine.pk]))
    assert response.status_code == 200
    assert b"901111111" in response.content


@pytest.fixture
def recorded_pbx(db, make_kerio_simulator, settings):
    """A reachable PBX (the simulator) that records every call: one of 101's, one of 103's.
    Recording look-ups are cached: this test keeps its own cache."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    simulator = make_kerio_simulator(history_size=0, recording_share=1.0)
    start = int((timezone.now() - timedelta(hours=1)).timestamp())
    simulator.add_history(
        [
            {"TIMESTAMP": start + offset, "FROM_NUM": number, "FROM_NAME": "", "TO_NUM": extension,
             "TO_NAME": "", "CALL_DURATION": 40, "ANSWERED_DURATION": 30, "STATUS": ANSWERED,
             "FROM_TYPE": EXTERNAL, "TO_TYPE": LINE}
            for offset, number, extension in ((0, "901111111", "101"), (600, "902222222", "103"))
        ]
    )  # fmt: skip
    pbx = simulator_connection(simulator, name="Main")
    sync_pbx(pbx)
    return simulator, pbx


def test_it_refuses_another_extensions_recording_the_pbx_has(recorded_pbx):
    simulator, pbx = recorded_pbx
    operator_client, supervisor_client = Client(), Client()
    operator_client.force_login(make_user("umid", Role.OPERATOR, extensions="101", pbx=pbx))
    supervisor_client.force_login(make_user("sardor", Role.SUPERVISOR))
    mine, theirs = Call.objects.get(extension="101"), Call.objects.get(extension="103")
    # The PBX is reachable and has the recording: a supervisor hears it.
    audio = supervisor_client.get(reverse("call_recording_audio", args=[theirs.pk]))
    assert audio.status_code == 200
    assert b"".join(audio.streaming_content) == simulator.wav_bytes
    simulator.reset_counts()
    for name in ("call_recording", "call_recording_audio"):
        response = operator_client.get(reverse(name, args=[theirs.pk]))
        assert response.status_code == 404, name
        assert simulator.wav_bytes not in response.content
    assert simulator.request_counts() == {}  # refused before the PBX was asked
    # Their own call's recording plays for them.
    own = operator_client.get(reverse("call_recording_audio", args=[mine.pk]))
    assert b"".join(own.streaming_content) == simulator.wav_bytes


def csv_export(client) -> list[dict]:
    response = client.get(reverse("call_export_csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = csv.DictReader(io.StringIO(text))
    # Phone numbers are written as ="901234567" so that Excel keeps them as text.
    return [{key: re.sub(r'^="(.*)"$', r"\1", value) for key, value in row.items()} for row in rows]


def xlsx_export(client) -> list[dict]:
    response = client.get(reverse("call_export_xlsx"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header, *rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    return [dict(zip(header, row, strict=True)) for row in rows]


def parties(rows: list[dict]) -> set[tuple]:
    return {(str(row["From"] or ""), str(row["To"] or "")) for row in rows}


def expected_parties(items) -> set[tuple]:
    return {(call.from_number, call.to_number) for call in items}


def test_the_exports_hold_only_the_operators_calls(operator_client, calls):
    assert parties(csv_export(operator_client)) == expected_parties(calls["mine"])
    assert parties(xlsx_export(operator_client)) == expected_parties(calls["mine"])


def test_the_exports_hold_every_call_for_a_supervisor(supervisor_client, calls):
    everything = expected_parties(calls["mine"] + calls["theirs"])
    assert parties(csv_export(supervisor_client)) == everything
    assert parties(xlsx_export(supervisor_client)) == everything


def test_a_numbers_history_shows_only_the_operators_calls_with_it(
    operator_client, supervisor_client, calls
):
    url = reverse("number_history", args=["901111111"])
    html = operator_client.get(url).content.decode()
    assert listed_calls(html) == {calls["mine"][0].pk}
    assert listed_calls(supervisor_client.get(url).content.decode()) == {
        calls["mine"][0].pk,
        calls["theirs"][0].pk,
    }


def test_an_operator_without_extensions_sees_no_calls(client, calls):
    user = make_user("nodir", Role.OPERATOR)
    client.force_login(user)
    assert listed_calls(client.get(reverse("call_list")).content.decode()) == set()
    assert csv_export(client) == []
    OperatorProfile.objects.create(user=user, pbx=calls["mine"][0].pbx, extensions="")
    assert listed_calls(client.get(reverse("call_list")).content.decode()) == set()


# -- Dashboard and live calls ----------------------------------------------------------------------


def test_the_dashboard_counts_only_the_operators_calls(operator_client, supervisor_client, calls):
    operator_tiles = tiles(operator_client.get(reverse("dashboard")).content.decode())
    everyone = tiles(supervisor_client.get(reverse("dashboard")).content.decode())
    assert operator_tiles["total"] == "3" and everyone["total"] == "5"
    # The operator's numbers are exactly those of a world holding only their calls.
    Call.objects.filter(pk__in=ids(calls["theirs"])).delete()
    subset = tiles(supervisor_client.get(reverse("dashboard")).content.decode())
    assert operator_tiles == subset
    assert len(subset) >= 10


def test_the_dashboards_tables_leave_out_other_extensions(operator_client, calls):
    html = operator_client.get(reverse("dashboard")).content.decode()
    rows = dict(re.findall(r'<tr data-extension="(\w+)">(.*?)</tr>', html, re.S))
    calls_column = {
        extension: re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[1].strip()
        for extension, row in rows.items()
    }
    # 103 appears only through its internal call to 101, not with its own missed call.
    assert calls_column == {"101": "1", "102": "1", "103": "1"}
    # 901111111's missed call was to 103: not the operator's to call back.
    assert re.findall(r'<tr data-number="(\d+)">', html) == []


@pytest.fixture
def live(pbx):
    snapshot = live_snapshot(pbx, age=timedelta(0))
    for number, name, extension in (
        ("905550101", "Mine", "101"),
        ("905550104", "Theirs", "104"),
    ):
        LiveCall.objects.create(
            snapshot=snapshot,
            from_number=number,
            from_name=name,
            to_number=extension,
            extension=extension,
            state="talking",
            total_seconds=10,
        )
    return snapshot


def live_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="live-call[^"]*">(.*?)</tr>', html, re.S)


@pytest.mark.parametrize("url_name", ["live_calls", "dashboard"])
def test_the_live_panel_shows_only_the_operators_calls(operator_client, live, url_name):
    html = operator_client.get(reverse(url_name)).content.decode()
    rows = live_rows(html)
    assert len(rows) == 1
    assert "905550101" in rows[0]
    assert "905550104" not in html and "Theirs" not in html
    assert 'data-live-count="1"' in html


def test_the_live_panel_shows_every_call_to_a_supervisor(supervisor_client, live):
    html = supervisor_client.get(reverse("live_calls")).content.decode()
    assert len(live_rows(html)) == 2
    assert 'data-live-count="2"' in html


# -- Two PBXes, the same extension numbers -------------------------------------------------------


@pytest.fixture
def branch(db):
    """A second PBX whose extensions are numbered like the first one's."""
    return PbxConnection.objects.create(name="Branch", host="branch.example.uz", username="u")


@pytest.fixture
def branch_calls(branch, calls):
    """The branch's own 101 and 102 talk to other people than the operator's."""
    now = today_minus(20)
    return [
        described_call(branch, now, "inbound", "answered", 50, 40, "909999999", "101"),
        described_call(branch, now, "outbound", "answered", 30, 20, "908888888", "102"),
        described_call(branch, now, "internal", "answered", 20, 10, "", "103", to_number="101"),
    ]


def test_another_pbxs_extension_of_the_same_number_stays_hidden(
    operator_client, supervisor_client, calls, branch_calls
):
    html = operator_client.get(reverse("call_list")).content.decode()
    assert listed_calls(html) == ids(calls["mine"])
    assert "909999999" not in html and "908888888" not in html
    for call in branch_calls:
        assert operator_client.get(reverse("call_detail", args=[call.pk])).status_code == 404
    everyone = listed_calls(supervisor_client.get(reverse("call_list")).content.decode())
    assert everyone == ids(calls["mine"] + calls["theirs"] + branch_calls)


def test_the_exports_leave_out_another_pbxs_same_numbers(operator_client, calls, branch_calls):
    assert parties(csv_export(operator_client)) == expected_parties(calls["mine"])
    assert parties(xlsx_export(operator_client)) == expected_parties(calls["mine"])


def test_the_dashboard_leaves_out_another_pbxs_same_numbers(operator_client, calls, branch_calls):
    got = tiles(operator_client.get(reverse("dashboard")).content.decode())
    assert got["total"] == "3"
    history = reverse("number_history", args=["909999999"])
    assert listed_calls(operator_client.get(history).content.decode()) == set()


def test_an_operator_of_both_pbxes_sees_both(operator_user, client, calls, branch, branch_calls):
    OperatorProfile.objects.create(user=operator_user, pbx=branch, extensions="102")
    client.force_login(operator_user)
    html = client.get(reverse("call_list")).content.decode()
    assert listed_calls(html) == ids(calls["mine"]) | {branch_calls[1].pk}


def test_the_live_panel_leaves_out_another_pbxs_same_numbers(operator_client, live, branch):
    snapshot = LiveSnapshot.objects.create(pbx=branch, taken_at=timezone.now(), is_stale=False)
    LiveCall.objects.create(
        snapshot=snapshot,
        from_number="905550999",
        from_name="Branch caller",
        to_number="101",
        extension="101",
        state="talking",
        total_seconds=10,
    )
    html = operator_client.get(reverse("live_calls")).content.decode()
    assert "905550101" in html
    assert "905550999" not in html and "Branch caller" not in html
    assert 'data-live-count="1"' in html


# -- Settings and the menu ----------------------------------------------------------------------


def nav(html: str) -> str:
    return re.search(r'<nav class="app-nav".*?</nav>', html, re.S).group(0)


def test_operators_and_supervisors_cannot_open_settings(operator_client, supervisor_client, pbx):
    for client in (operator_client, supervisor_client):
        for name, args in (("settings", []), ("pbx_edit", [pbx.pk]), ("sip_trunk_list", [])):
            assert client.get(reverse(name, args=args)).status_code == 403


def test_the_menu_hides_what_an_operator_cannot_open(operator_client, pbx):
    menu = nav(operator_client.get(reverse("dashboard")).content.decode())
    assert reverse("dashboard") in menu and reverse("call_list") in menu
    assert reverse("settings") not in menu
    assert reverse("health") not in menu
    assert reverse("admin:index") not in menu


def test_the_menu_shows_a_supervisor_health_but_not_settings(supervisor_client, pbx):
    menu = nav(supervisor_client.get(reverse("dashboard")).content.decode())
    assert reverse("health") in menu
    assert reverse("settings") not in menu
    assert reverse("admin:index") not in menu


def test_the_menu_shows_an_administrator_everything(administrator_client, pbx):
    menu = nav(administrator_client.get(reverse("dashboard")).content.decode())
    for url in (reverse("settings"), reverse("health"), reverse("admin:index")):
        assert url in menu


def test_a_supervisor_gets_no_sync_now_button(supervisor_client, administrator_client, pbx):
    url = reverse("sync_run_list", args=[pbx.pk])
    assert reverse("sync_now", args=[pbx.pk]) not in supervisor_client.get(url).content.decode()
    assert reverse("sync_now", args=[pbx.pk]) in administrator_client.get(url).content.decode()


def test_the_sync_banner_does_not_link_operators_to_health(operator_client, pbx):
    SyncState.objects.filter(pk=pbx.pk).update(
        last_started_at=timezone.now(), last_error="Login failed"
    )
    html = operator_client.get(reverse("dashboard")).content.decode()
    assert 'id="sync-health-banner"' in html
    assert reverse("health") not in html
