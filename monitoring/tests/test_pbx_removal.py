"""Deleting a PBX connection removes its calls and runs, after a confirmation that counts them;
the demo banner stays as long as demo calls are in the figures."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from monitoring.models import Call, CallStatus, Direction, SyncRun, SyncState
from monitoring.pbx_removal import remove_pbx
from monitoring.sync import SyncAlreadyRunning
from providers.models import DirectoryEntry, PbxConnection

pytestmark = pytest.mark.django_db

DEMO_NOTICE = "Demo PBX: the calls shown come from the built-in Kerio Operator simulator"


def _pbx(name, *, demo=False, calls=0, runs=0):
    pbx = PbxConnection.objects.create(
        name=name, host=f"{name.lower()}.example.uz", username="a", password="p", is_demo=demo
    )
    start = timezone.now() - dt.timedelta(hours=1)
    Call.objects.bulk_create(
        Call(
            pbx=pbx,
            key=f"{name}-{i}",
            started_at=start,
            direction=Direction.INBOUND,
            from_number="+998901234567",
            to_number="101",
            extension="101",
            status=CallStatus.ANSWERED,
            raw={},
        )
        for i in range(calls)
    )
    SyncRun.objects.bulk_create(SyncRun(pbx=pbx, outcome="success") for _ in range(runs))
    DirectoryEntry.objects.create(pbx=pbx, number="101", name="Dilnoza", kind=1, seen_at=start)
    return pbx


def test_the_confirmation_says_how_many_calls_and_runs_go(administrator_client):
    demo = _pbx("Demo", demo=True, calls=7, runs=3)
    page = administrator_client.get(reverse("pbx_delete", args=[demo.pk])).content.decode()
    assert "the 7 calls read from it?" in page
    assert "Its 3 sync runs go too." in page
    assert Call.objects.count() == 7  # asking deletes nothing


def test_it_removes_the_demo_pbx_with_its_calls_and_keeps_the_real_ones(administrator_client):
    demo = _pbx("Demo", demo=True, calls=7, runs=3)
    real = _pbx("Office", calls=4, runs=2)
    assert Call.objects.count() == 11
    response = administrator_client.post(reverse("pbx_delete", args=[demo.pk]), follow=True)
    assert "was deleted with its 7 calls" in response.content.decode()
    assert Call.objects.count() == 4
    assert set(Call.objects.values_list("pbx_id", flat=True)) == {real.pk}
    assert SyncRun.objects.count() == 2
    assert list(DirectoryEntry.objects.values_list("pbx_id", flat=True)) == [real.pk]
    assert not PbxConnection.objects.filter(pk=demo.pk).exists()
    entry = AuditEntry.objects.get(action="delete", object_type="providers.PbxConnection")
    assert (entry.username, entry.object_repr) == ("aziza", "Demo")


def test_it_deletes_in_batches_whatever_the_history(administrator_user):
    demo = _pbx("Demo", demo=True, calls=12, runs=1)
    removed = remove_pbx(demo, batch_size=5)
    assert (removed.calls, removed.sync_runs) == (12, 1)
    assert Call.objects.count() == 0


def test_it_waits_for_a_running_sync(administrator_client):
    demo = _pbx("Demo", demo=True, calls=2)
    SyncState.objects.filter(pk=demo.pk).update(lock_until=timezone.now() + dt.timedelta(minutes=5))
    with pytest.raises(SyncAlreadyRunning):
        remove_pbx(demo)
    response = administrator_client.post(reverse("pbx_delete", args=[demo.pk]), follow=True)
    assert "delete it once the sync has finished" in response.content.decode()
    assert Call.objects.count() == 2


def test_the_demo_banner_stays_while_demo_calls_are_shown(supervisor_client):
    demo = _pbx("Demo", demo=True, calls=2)
    _pbx("Office", calls=1)
    assert DEMO_NOTICE in supervisor_client.get(reverse("call_list")).content.decode()
    demo.enabled = False  # no longer polled, but its calls are still counted
    demo.save()
    assert DEMO_NOTICE in supervisor_client.get(reverse("call_list")).content.decode()
    remove_pbx(demo)
    assert DEMO_NOTICE not in supervisor_client.get(reverse("call_list")).content.decode()


def test_without_a_demo_pbx_the_banner_reads_no_calls(supervisor_client):
    """The layout runs on every page: with no demo PBX it must not search the calls table."""
    _pbx("Office", calls=3)
    with CaptureQueriesContext(connection) as queries:
        page = supervisor_client.get(reverse("settings")).content.decode()
    assert DEMO_NOTICE not in page
    assert not [q["sql"] for q in queries.captured_queries if "monitoring_call" in q["sql"]]
