"""The audit log records who changed what; for secrets, only that they changed."""

import pytest
from django.contrib.auth.models import Group

from accounts import audit
from accounts.models import AuditEntry
from providers.models import PbxConnection, SipTrunk

pytestmark = pytest.mark.django_db


def _entries(obj):
    return AuditEntry.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).order_by(
        "id"
    )


def test_it_records_a_new_connection_without_its_password():
    pbx = PbxConnection.objects.create(
        name="Office", host="pbx.example.uz", username="api", password="Top-Secret-1"
    )
    entry = _entries(pbx).get()
    assert entry.action == "create"
    assert entry.changes["host"] == [None, "pbx.example.uz"]
    assert entry.changes["password"] == "changed"
    assert "Top-Secret-1" not in str(entry.changes)


def test_it_records_old_and_new_values_of_a_change(admin_user):
    trunk = SipTrunk.objects.create(name="BellUZ", server="bell.uz", login="u", password="p1")
    token = audit.current_user.set(admin_user)
    try:
        trunk.port = 5080
        trunk.password = "p2-new"
        trunk.save()
    finally:
        audit.current_user.reset(token)
    entry = _entries(trunk).last()
    assert entry.action == "update"
    assert entry.user == admin_user and entry.username == "boss"
    assert entry.changes == {"port": [5060, 5080], "password": "changed"}


def test_it_records_nothing_when_nothing_changed():
    trunk = SipTrunk.objects.create(name="BellUZ", server="bell.uz", login="u", password="p1")
    trunk.save()
    assert _entries(trunk).count() == 1


def test_it_records_deletion_and_role_changes(django_user_model):
    user = django_user_model.objects.create_user("dilnoza", password="Long-pass-123")
    user.groups.add(Group.objects.get(name="Supervisor"))
    entry = _entries(user).last()
    assert entry.changes == {"groups added": ["Supervisor"]}
    pk = user.pk
    user.delete()
    assert AuditEntry.objects.filter(object_id=str(pk), action="delete").exists()


def test_it_records_actions_with_a_message(admin_user):
    pbx = PbxConnection.objects.create(name="O", host="10.0.0.1", username="a", password="x")
    audit.record("check", obj=pbx, user=admin_user, message="Logged in, version 2.6")
    entry = _entries(pbx).last()
    assert (entry.action, entry.message) == ("check", "Logged in, version 2.6")


def test_administrators_can_read_the_log_but_not_edit_it(admin_client):
    SipTrunk.objects.create(name="BellUZ", server="bell.uz", login="u", password="p1")
    page = admin_client.get("/admin/accounts/auditentry/?action__exact=create")
    assert page.status_code == 200
    assert "BellUZ" in page.content.decode()
    entry = AuditEntry.objects.first()
    change = admin_client.post(f"/admin/accounts/auditentry/{entry.pk}/change/", {"message": "x"})
    assert change.status_code == 403
