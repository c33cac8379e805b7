"""Django admin for the connection records. Passwords are write-only here too: the change form
has an empty password field (empty keeps the stored one), and no list or history shows it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from providers.forms import PbxConnectionForm, SipTrunkForm
from providers.messages import admin_field
from providers.models import PbxConnection, SipTrunk


@admin.register(SipTrunk)
class SipTrunkAdmin(admin.ModelAdmin):
    form = SipTrunkForm
    list_display = ("name", "server", "login", "port", "transport", "updated_at")
    list_filter = ("transport",)
    search_fields = ("name", "server", "login")
    fields = ("name", "server", "login", "password", "port", "transport", "notes")


@admin.register(PbxConnection)
class PbxConnectionAdmin(admin.ModelAdmin):
    form = PbxConnectionForm
    list_display = (
        "name",
        "host",
        "port",
        "username",
        "enabled",
        "is_demo",
        "last_check_ok",
    )
    list_filter = ("enabled", "is_demo")
    search_fields = ("name", "host", "username")
    readonly_fields = (
        "last_check_at",
        "last_check_ok",
        "last_check_result",
    )
    last_check_result = admin_field("last_check_message", _("last check result"))
    fieldsets = (
        (None, {"fields": ("name", "host", "port", "username", "password")}),
        (
            _("Connection"),
            {
                "fields": (
                    "use_tls",
                    "verify_tls",
                    "tls_fingerprint",
                    "ca_file",
                    "ca_upload",
                    "timeout_seconds",
                    "enabled",
                )
            },
        ),
        (_("Calls"), {"fields": ("timestamps_timezone", "internal_number_pattern")}),
        (_("State"), {"classes": ("collapse",), "fields": readonly_fields}),
    )
