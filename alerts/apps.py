from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Notifications")

    def ready(self):
        from accounts import audit
        from alerts.models import Channel, Rule

        audit.track(Channel, secret_fields={"bot_token", "webhook_secret"})
        audit.track(Rule)
