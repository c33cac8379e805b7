from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self):
        from django.db.models.signals import post_migrate, post_save

        from accounts.audit import track
        from monitoring.analytics import inbound_index
        from monitoring.clock import on_clock_changed
        from monitoring.models import Call, SyncState, WallboardLink, WallboardSettings
        from providers.models import PbxConnection
        from providers.services import pbx_clock_changed

        # A call saved one at a time (the admin, a test's factory) is indexed for the callers'
        # page as the sync's pages are; deletes go through inbound_index.forget_calls.
        post_save.connect(
            inbound_index.on_call_saved, sender=Call, dispatch_uid="monitoring-inbound-index"
        )
        post_save.connect(
            SyncState.create_for_new_pbx, sender=PbxConnection, dispatch_uid="monitoring-sync-state"
        )
        # Stored calls follow a change of the PBX's timestamp zone.
        pbx_clock_changed.connect(on_clock_changed, dispatch_uid="monitoring-clock")
        # Who made, changed and revoked the wallboard's links and thresholds; never a token.
        track(WallboardLink, secret_fields={"token_hash"})
        track(WallboardSettings)
        # A table rebuilt by a later migration (SQLite rebuilds tables to alter them) loses its
        # triggers: they are put back after every migrate.
        post_migrate.connect(keep_rollups, sender=self, dispatch_uid="monitoring-rollups")


def keep_rollups(sender, using, **kwargs) -> None:
    """(Re)create the triggers that keep the hourly rollup, once its table exists."""
    from django.db import connections

    from monitoring.rollups import maintenance

    connection = connections[using]
    if maintenance.ROLLUP in connection.introspection.table_names():
        maintenance.install(connection)
