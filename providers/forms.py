"""Forms for the SIP provider records and the Kerio Operator connections (settings pages, admin).

Passwords are write-only everywhere: the field never renders the stored value, an empty field on
an existing record keeps the stored password, and only a new record requires one.
"""

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django import forms
from django.utils.translation import gettext_lazy as _

from providers.kerio.tls import format_fingerprint, normalize_fingerprint
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


MAX_CA_UPLOAD_BYTES = 256 * 1024


class PbxConnectionForm(WriteOnlyPasswordMixin, forms.ModelForm):
    password = WriteOnlyPasswordField()
    ca_upload = forms.FileField(
        label=_("Upload a CA certificate"),
        required=False,
        help_text=_(
            "For offices with their own certificate authority: the CA certificate as a PEM "
            "file. It replaces any uploaded before."
        ),
    )
    ca_clear = forms.BooleanField(label=_("Remove the uploaded CA certificate"), required=False)

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
            "tls_fingerprint",
            "timestamps_timezone",
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
    DESTINATION_FIELDS = ("host", "port", "use_tls", "verify_tls", "ca_file", "tls_fingerprint",
                          "ca_upload")  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.ca_pem:
            self.fields.pop("ca_clear", None)
        if "timestamps_timezone" in self.fields:
            # Left empty, the PBX's timestamps are read as UTC, as before the setting existed.
            self.fields["timestamps_timezone"].required = False

    def clean_timestamps_timezone(self):
        return (self.cleaned_data.get("timestamps_timezone") or "").strip() or "UTC"

    def clean_ca_upload(self):
        upload = self.cleaned_data.get("ca_upload")
        if not upload:
            return ""
        if upload.size > MAX_CA_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large for a certificate."))
        return _pem_certificates(upload.read())

    def clean_tls_fingerprint(self):
        value = self.cleaned_data.get("tls_fingerprint", "").strip()
        return format_fingerprint(normalize_fingerprint(value)) if value else ""

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
        upload = cleaned.pop("ca_upload", "")
        if upload:
            cleaned["ca_pem"] = upload
        elif cleaned.pop("ca_clear", False):
            cleaned["ca_pem"] = ""
        if "ca_pem" in cleaned:
            self.instance.ca_pem = cleaned["ca_pem"]
        return cleaned

    def connection_values(self) -> dict:
        """The form's values for `save_pbx_connection`, without the name and the password."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("name", "password")
        }


def _pem_certificates(data: bytes) -> str:
    """The certificates in an uploaded PEM file, as text; a clear error for anything else."""
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise forms.ValidationError(
            _(
                "This is not a PEM certificate file (it should begin with "
                "-----BEGIN CERTIFICATE-----)."
            )
        ) from None
    return "".join(cert.public_bytes(Encoding.PEM).decode() for cert in certificates)
