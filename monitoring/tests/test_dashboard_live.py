"""The live calls panel: the dashboard includes it, htmx refreshes it from live_calls."""

import re
from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from monitoring.models import LiveCall
from monitoring.tests.factories import live_snapshot, make_pbx

URL = reverse("live_calls")


def rows(html):
    return re.findall(r'<tr class="live-call live-(\w+)">(.*?)</tr>', html, re.S)


def test_it_sends_anonymous_visitors_to_login(client, db):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_lists_the_calls_in_progress(admin_client, pbx):
    snap = live_snapshot(pbx)
    LiveCall.objects.create(
        snapshot=snap,
        from_number="901234567",
        from_name="Alisher",
        to_number="101",
        to_name="Dilnoza",
        state="talking",
        total_seconds=125,
    )
    LiveCall.objects.create(
        snapshot=snap, from_number="935551122", to_number="102", state="ringing"
    )
    LiveCall.objects.create(
        snapshot=snap, from_number="103", to_number="9", state="", status_code=9
    )
    html = admin_client.get(URL).content.decode()
    found = rows(html)
    assert [state for state, _ in found] == ["talking", "ringing", "unknown"]
    first = found[0][1]
    assert "901234567" in first and "Alisher" in first and "Dilnoza" in first
    assert re.search(r"2:0[5-9]", first)  # 125 s when taken, plus the second since
    assert "Talking" in first
    assert "Unknown (9)" in found[2][1]
    assert 'data-live-count="3"' in html


def test_it_polls_itself_every_few_seconds(admin_client, pbx):
    live_snapshot(pbx)
    html = admin_client.get(URL).content.decode()
    assert f'hx-get="{URL}"' in html
    assert 'hx-trigger="every 3s"' in html
    assert 'hx-swap="outerHTML"' in html
    assert "<html" not in html


def test_the_dashboard_includes_the_same_panel(admin_client, pbx):
    snap = live_snapshot(pbx)
    LiveCall.objects.create(
        snapshot=snap, from_number="901234567", to_number="101", state="talking"
    )
    html = admin_client.get(reverse("dashboard")).content.decode()
    assert 'id="live-calls"' in html
    assert len(rows(html)) == 1


def test_it_says_when_no_call_is_in_progress(admin_client, pbx):
    live_snapshot(pbx)
    html = admin_client.get(URL).content.decode()
    assert "No calls in progress." in html
    assert rows(html) == []


def test_it_says_since_when_the_pbx_could_not_be_reached(admin_client, pbx):
    snap = live_snapshot(pbx, age=timedelta(minutes=7), stale=True, error="Connection refused")
    LiveCall.objects.create(
        snapshot=snap, from_number="901234567", to_number="101", state="talking"
    )
    html = admin_client.get(URL).content.decode()
    since = timezone.localtime(snap.taken_at).strftime("%H:%M")
    assert f"No live data since {since} — the PBX could not be reached: Connection refused" in html
    assert rows(html) == []  # not pretending the old calls are still going


@override_settings(LIVE_POLL_SECONDS=3)
def test_it_treats_an_old_snapshot_as_stale(admin_client, pbx):
    snap = live_snapshot(pbx, age=timedelta(minutes=2))
    LiveCall.objects.create(
        snapshot=snap, from_number="901234567", to_number="101", state="talking"
    )
    html = admin_client.get(URL).content.decode()
    since = timezone.localtime(snap.taken_at).strftime("%H:%M")
    assert f"No live data since {since}" in html
    assert "is the worker running?" in html
    assert rows(html) == []


def test_it_says_when_there_is_no_live_data_yet(admin_client, pbx):
    assert "No live data yet" in admin_client.get(URL).content.decode()


def test_it_names_each_pbx_when_there_are_several(admin_client, pbx):
    other = make_pbx("Branch", host="b.example.uz")
    live_snapshot(pbx)
    live_snapshot(other)
    html = admin_client.get(URL).content.decode()
    assert "<h3>Main</h3>" in html and "<h3>Branch</h3>" in html


def test_it_does_not_name_a_single_pbx(admin_client, pbx):
    live_snapshot(pbx)
    assert "<h3>" not in admin_client.get(URL).content.decode()


def test_it_leaves_out_disabled_pbxes(admin_client, pbx):
    off = make_pbx("Old", host="o.example.uz", enabled=False)
    live_snapshot(off, stale=True, error="down")
    live_snapshot(pbx)
    assert 'data-pbx="Old"' not in admin_client.get(URL).content.decode()


def test_it_answers_in_few_queries(admin_client, pbx, django_assert_max_num_queries):
    snap = live_snapshot(pbx)
    for n in range(5):
        LiveCall.objects.create(
            snapshot=snap, from_number=f"90{n}", to_number="101", state="talking"
        )
    with django_assert_max_num_queries(5):
        html = admin_client.get(URL).content.decode()
    assert len(rows(html)) == 5


def test_it_shows_a_connected_call_as_talking(admin_client, pbx):
    snap = live_snapshot(pbx)
    LiveCall.objects.create(snapshot=snap, from_number="901", to_number="101", state="talking")
    ((state, cells),) = rows(admin_client.get(URL).content.decode())
    assert state == "talking"
    assert "Talking" in cells
