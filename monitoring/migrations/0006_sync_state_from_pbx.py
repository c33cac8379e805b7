"""Copy each PBX's sync state from its own columns into its new SyncState (and back)."""

from django.db import migrations

# SyncState field -> the PbxConnection column it came from.
FIELDS = {
    "lock_until": "sync_lock_until",
    "read_back_to": "sync_read_back_to",
    "last_started_at": "last_sync_started_at",
    "last_success_at": "last_sync_success_at",
    "last_error": "last_sync_error",
}


def copy_to_sync_state(apps, schema_editor):
    PbxConnection = apps.get_model("providers", "PbxConnection")
    SyncState = apps.get_model("monitoring", "SyncState")
    for pbx in PbxConnection.objects.all():
        SyncState.objects.update_or_create(
            pbx=pbx, defaults={new: getattr(pbx, old) for new, old in FIELDS.items()}
        )


def copy_back_to_pbx(apps, schema_editor):
    PbxConnection = apps.get_model("providers", "PbxConnection")
    SyncState = apps.get_model("monitoring", "SyncState")
    for state in SyncState.objects.all():
        PbxConnection.objects.filter(pk=state.pk).update(
            **{old: getattr(state, new) for new, old in FIELDS.items()}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0005_sync_state"),
        # The columns copied from: still there until providers' 0002 removes them.
        ("providers", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_to_sync_state, copy_back_to_pbx)]
