from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = _("Providers")

    def ready(self):
        from accounts import audit
        from providers.models import PbxConnection, SipTrunk

        audit.track(PbxConnection, secret_fields={"password"})
        audit.track(SipTrunk, secret_fields={"password"})
