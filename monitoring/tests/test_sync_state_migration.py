"""The sync's state moved from the PBX connection to monitoring's SyncState with its values,
and moves back the same way when the migrations are reversed."""

import datetime as dt

import pytest

from monitoring.tests.migrating import migrate, migrated_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("monitoring", "0004_call_pbx_without_own_index"), ("providers", "0001_initial")]
AFTER = [("providers", "0002_sync_state_moved_to_monitoring")]
STATE = {
    "sync_lock_until": dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC),
    "sync_read_back_to": dt.datetime(2026, 5, 1, 5, 0, tzinfo=dt.UTC),
    "last_sync_started_at": dt.datetime(2026, 5, 1, 9, 29, tzinfo=dt.UTC),
    "last_sync_success_at": dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC),
    "last_sync_error": "Login failed",
}


@pytest.fixture
def before():
    yield from migrated_to(BEFORE)


def test_it_copies_each_pbx_state_and_removes_the_old_columns(before):
    PbxConnection = before.get_model("providers", "PbxConnection")
    pbx = PbxConnection.objects.create(
        name="Main", host="pbx.example.uz", username="u", password="p", **STATE
    )
    idle = PbxConnection.objects.create(name="Idle", host="idle.example.uz", username="u")

    after = migrate(AFTER)

    SyncState = after.get_model("monitoring", "SyncState")
    state = SyncState.objects.get(pk=pbx.pk)
    assert (
        state.lock_until, state.read_back_to, state.last_started_at, state.last_success_at,
        state.last_error,
    ) == tuple(STATE.values())  # fmt: skip
    assert SyncState.objects.get(pk=idle.pk).read_back_to is None
    fields = {field.name for field in after.get_model("providers", "PbxConnection")._meta.fields}
    assert fields.isdisjoint(STATE)


def test_migrating_back_restores_the_pbx_columns(before):
    PbxConnection = before.get_model("providers", "PbxConnection")
    pbx = PbxConnection.objects.create(
        name="Main", host="pbx.example.uz", username="u", password="p", **STATE
    )
    migrate(AFTER)

    apps = migrate(BEFORE)

    restored = apps.get_model("providers", "PbxConnection").objects.get(pk=pbx.pk)
    assert {name: getattr(restored, name) for name in STATE} == STATE
