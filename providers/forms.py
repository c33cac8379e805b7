"""Forms for the SIP provider records and the Kerio Operator connections (settings pages, admin).

Passwords are write-only everywhere: the field never renders the stored value, an empty field on
an existing record keeps the stored password, and only a new record requires one.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.models import PbxConnection, SipTrunk


class WriteOnlyPasswordField(forms.CharField):
    """A password input that never shows what is stored and counts as changed only when typed."""

    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Password"))
        kwargs.setdefault("strip", False)
        kwargs.setdefault("max_length", 255)
        super().__init__(**kwargs)

    def has_changed(self, initial, data):
        return bool(data)


class WriteOnlyPasswordMixin:
    """Makes `password` required on create and optional (keep the stored one) on edit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The stored value must not even sit in the form's initial data.
        self.initial.pop("password", None)
        field = self.fields["password"]
        if self.instance.pk:
            field.required = False
            field.help_text = _("Leave empty to keep the stored password.")
        else:
            field.required = True

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not cleaned.get("password"):
            # Absent from cleaned_data, the field is left alone when the instance is built.
            cleaned.pop("password", None)
        return cleaned

    @property
    def new_password(self) -> str | None:
        """The password typed into the form, or None to keep the stored one."""
        return self.cleaned_data.get("password") or None


class SipTrunkForm(WriteOnlyPasswordMixin, forms.ModelForm):
    password = WriteOnlyPasswordField()

    class Meta:
        model = SipTrunk
        fields = ["name", "server", "login", "password", "port", "transport", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"server": _("Host name or IP address, for example bell.uz.")}


class PbxConnectionForm(WriteOnlyPasswordMixin, forms.ModelForm):
    password = WriteOnlyPasswordField()

    class Meta:
        model = PbxConnection
        fields = [
            "name",
            "host",
            "port",
            "username",
            "password",
            "use_tls",
            "verify_tls",
            "ca_file",
            "timeout_seconds",
            "enabled",
            "internal_number_pattern",
        ]
        help_texts = {
            "host": _("Host name or IP address of Kerio Operator, without https:// or a port."),
            "port": _("The administration port; Kerio Operator uses 4021."),
            "username": _("A Kerio Operator administrator allowed to use the API."),
        }

    # Where the stored password goes. Changing any of them needs the password typed again: the
    # stored one is only ever sent to the server it was saved for (a check included).
    DESTINATION_FIELDS = ("host", "port", "use_tls", "verify_tls", "ca_file")

    def clean(self):
        cleaned = super().clean()
        moved = [name for name in self.DESTINATION_FIELDS if name in self.changed_data]
        if self.instance.pk and moved and not cleaned.get("password"):
            self.add_error(
                "password",
                _(
                    "The address or the TLS settings changed: enter the password again. The "
                    "stored password is only sent to the server it was saved for."
                ),
            )
        return cleaned

    def connection_values(self) -> dict:
        """The form's values for `save_pbx_connection`, without the name and the password."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("name", "password")
        }
