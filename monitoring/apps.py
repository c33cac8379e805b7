from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self):
        from django.db.models.signals import post_save

        from monitoring.models import SyncState
        from providers.models import PbxConnection

        post_save.connect(
            SyncState.create_for_new_pbx, sender=PbxConnection, dispatch_uid="monitoring-sync-state"
        )
