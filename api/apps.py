from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("JSON API")

    def ready(self):
        from accounts import audit
        from api.models import ApiToken

        # Who made and revoked each token; never its hash. Uses only touch `last_used_at`,
        # through an update that sends no signal.
        audit.track(ApiToken, secret_fields={"token_hash"})
