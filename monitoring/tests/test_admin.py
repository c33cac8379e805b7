"""Django's admin shows what the sync stored and nothing more: a call is the PBX's record, so
the admin neither adds, changes nor deletes one."""

import pytest

from monitoring.models import Call, SyncRun
from monitoring.tests.factories import make_call, make_pbx

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return make_call(make_pbx(), from_name="Alisher")


def test_the_calls_are_listed_and_shown(admin_client, call):
    assert call.from_number in admin_client.get("/admin/monitoring/call/").content.decode()
    assert admin_client.get(f"/admin/monitoring/call/{call.pk}/change/").status_code == 200


def test_a_call_cannot_be_deleted_one_by_one_or_in_bulk(admin_client, call):
    assert admin_client.get(f"/admin/monitoring/call/{call.pk}/delete/").status_code == 403
    response = admin_client.post(f"/admin/monitoring/call/{call.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    admin_client.post(
        "/admin/monitoring/call/",
        {"action": "delete_selected", "_selected_action": [call.pk], "post": "yes"},
    )
    assert Call.objects.filter(pk=call.pk).exists()
    page = admin_client.get("/admin/monitoring/call/").content.decode()
    assert "delete_selected" not in page


def test_a_call_cannot_be_added_or_changed(admin_client, call):
    assert admin_client.get("/admin/monitoring/call/add/").status_code == 403
    admin_client.post(f"/admin/monitoring/call/{call.pk}/change/", {"from_name": "Changed"})
    call.refresh_from_db()
    assert call.from_name == "Alisher"


def test_a_sync_run_cannot_be_deleted(admin_client, call):
    run = SyncRun.objects.create(pbx=call.pbx)
    assert admin_client.post(f"/admin/monitoring/syncrun/{run.pk}/delete/").status_code == 403
    assert SyncRun.objects.filter(pk=run.pk).exists()
