"""The sync's state moved to monitoring's SyncState, which copied it first."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0001_initial"),
        # The values are copied to SyncState before the columns go (and back before they
        # return, when migrating backwards).
        ("monitoring", "0006_sync_state_from_pbx"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='pbxconnection',
            name='last_sync_error',
        ),
        migrations.RemoveField(
            model_name='pbxconnection',
            name='last_sync_started_at',
        ),
        migrations.RemoveField(
            model_name='pbxconnection',
            name='last_sync_success_at',
        ),
        migrations.RemoveField(
            model_name='pbxconnection',
            name='sync_lock_until',
        ),
        migrations.RemoveField(
            model_name='pbxconnection',
            name='sync_read_back_to',
        ),
    ]
