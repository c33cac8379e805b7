"""Where calls come from: the Kerio Operator connections and the SIP trunk records."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField

from providers.validators import validate_host, validate_regex

PORT_VALIDATORS = [MinValueValidator(1), MaxValueValidator(65535)]


class PbxConnection(models.Model):
    """A Kerio Operator PBX whose administration API we read. Several may exist (branches).

    Besides how to reach it, it keeps the outcome of the last connection check. Where its call
    sync stands belongs to the sync (``monitoring``'s sync state).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("host"), max_length=255, validators=[validate_host])
    port = models.PositiveIntegerField(_("port"), default=4021, validators=PORT_VALIDATORS)
    username = models.CharField(_("username"), max_length=150)
    password = EncryptedCharField(_("password"), max_length=255)
    verify_tls = models.BooleanField(
        _("verify TLS certificate"),
        default=True,
        help_text=_("Turn off only if you know the PBX uses a self-signed certificate."),
    )
    ca_file = models.CharField(
        _("CA certificate file"),
        max_length=500,
        blank=True,
        help_text=_("Path on this server to the PBX's CA certificate (PEM), to verify it."),
    )
    use_tls = models.BooleanField(_("use HTTPS"), default=True)
    timeout_seconds = models.PositiveIntegerField(
        _("timeout, seconds"), default=15, validators=[MinValueValidator(1), MaxValueValidator(300)]
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    is_demo = models.BooleanField(
        _("demo PBX"), default=False, help_text=_("The built-in simulator, not a real PBX.")
    )
    internal_number_pattern = models.CharField(
        _("internal number pattern"),
        max_length=200,
        default=r"^\d{2,5}$",
        validators=[validate_regex],
        help_text=_(
            "Regular expression for internal numbers, used when a number is not in the PBX's "
            "extension list."
        ),
    )

    last_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_check_ok = models.BooleanField(null=True, editable=False)
    last_check_message = models.TextField(blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Kerio Operator connection")
        verbose_name_plural = _("Kerio Operator connections")

    def __str__(self):
        return self.name

    def connection_settings(self):
        """The plain values the Kerio client needs (it knows no models)."""
        from providers.kerio import ConnectionSettings

        return ConnectionSettings(
            host=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            verify_tls=self.verify_tls,
            ca_file=self.ca_file,
            timeout=float(self.timeout_seconds),
            scheme="https" if self.use_tls else "http",
        )


class SipTrunk(models.Model):
    """A SIP provider (trunk) record, kept for reference only.

    The real trunk is configured in Kerio Operator; saving it here changes nothing on the PBX.
    """

    class Transport(models.TextChoices):
        UDP = "udp", "UDP"
        TCP = "tcp", "TCP"
        TLS = "tls", "TLS"

    name = models.CharField(_("name"), max_length=100, unique=True)
    server = models.CharField(_("SIP server"), max_length=255, validators=[validate_host])
    login = models.CharField(_("login"), max_length=150)
    password = EncryptedCharField(_("password"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=5060, validators=PORT_VALIDATORS)
    transport = models.CharField(
        _("transport"), max_length=3, choices=Transport.choices, default=Transport.UDP
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SIP provider")
        verbose_name_plural = _("SIP providers")

    def __str__(self):
        return self.name


class DirectoryEntry(models.Model):
    """One number of a PBX's internal directory, as the sync last read it: a person's line, or a
    service number (a call queue, the IVR, voicemail, …). It gives calls' extensions their names
    and tells agents apart from service numbers."""

    class Kind(models.IntegerChoices):
        # Kerio's EXTENSION_TYPE_ID values; the others are shown as a plain "service number".
        LINE = 1, _("Extension")
        CONFERENCE = 4, _("Conference")
        QUEUE = 5, _("Call queue")
        IVR = 6, _("IVR")
        VOICEMAIL = 7, _("Voicemail")
        RING_GROUP = 9, _("Ring group")

    pbx = models.ForeignKey(PbxConnection, on_delete=models.CASCADE, related_name="directory")
    number = models.CharField(_("number"), max_length=32)
    name = models.CharField(_("name"), max_length=255, blank=True)
    kind = models.IntegerField(_("type"), null=True, blank=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["pbx", "number"]
        verbose_name = _("directory number")
        verbose_name_plural = _("directory numbers")
        constraints = [
            models.UniqueConstraint(fields=["pbx", "number"], name="directory_unique_number"),
        ]

    def __str__(self):
        return f"{self.number} {self.name}".strip()

    @property
    def is_person(self) -> bool:
        """A line answers as a person; queues, IVRs and the like are services."""
        return self.kind == self.Kind.LINE

    def get_kind_display(self) -> str:
        if self.kind in self.Kind.values:
            return self.Kind(self.kind).label
        return str(_("Service number"))
