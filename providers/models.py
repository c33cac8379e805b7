"""Where calls come from: the Kerio Operator connections and the SIP trunk records."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField, EncryptedTextField

from providers.validators import (
    validate_fingerprint,
    validate_host,
    validate_regex,
    validate_time_zone,
)

PORT_VALIDATORS = [MinValueValidator(1), MaxValueValidator(65535)]


class PbxConnection(models.Model):
    """A Kerio Operator PBX whose administration API we read. Several may exist (branches).

    Besides how to reach it, it keeps the outcome of the last connection check. Where its call
    sync stands belongs to the sync (``monitoring``'s sync state).
    """

    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        error_messages={"unique": _("A Kerio Operator connection with this name already exists.")},
    )
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
    ca_pem = models.TextField(
        _("uploaded CA certificate"),
        blank=True,
        help_text=_("The CA certificate (PEM) uploaded in the settings, used like the CA file."),
    )
    tls_fingerprint = models.CharField(
        _("trusted certificate (SHA-256)"),
        max_length=100,
        blank=True,
        validators=[validate_fingerprint],
        help_text=_(
            "When set, exactly the certificate with this fingerprint is accepted (its names and "
            "issuer are not checked) and no other. Set it with “Trust this certificate” after "
            "a check."
        ),
    )
    timestamps_timezone = models.CharField(
        _("time zone of the PBX's timestamps"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_(
            "How the PBX writes call times: UTC (the usual), or the zone of its local clock "
            "such as Asia/Tashkent if calls appear hours off."
        ),
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

    last_check_at = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    last_check_ok = models.BooleanField(_("last check passed"), null=True, editable=False)
    # A stored message (providers.messages): what happened, worded when shown.
    last_check_message = models.JSONField(
        _("last check result"), default=str, blank=True, editable=False
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Kerio Operator connection")
        verbose_name_plural = _("Kerio Operator connections")

    def __str__(self):
        return self.name

    def connection_settings(self):
        """The plain values the Kerio client needs (it knows no models)."""
        from providers.kerio import ConnectionSettings
        from providers.kerio.tls import normalize_fingerprint

        return ConnectionSettings(
            tls_fingerprint=normalize_fingerprint(self.tls_fingerprint)
            if self.tls_fingerprint
            else "",
            ca_pem=self.ca_pem,
            host=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            verify_tls=self.verify_tls,
            ca_file=self.ca_file,
            timeout=float(self.timeout_seconds),
            scheme="https" if self.use_tls else "http",
        )


class KerioSession(models.Model):
    """The Kerio session kept for one PBX between polls and syncs, and its failed logins.

    Written by the client's keeper (``providers.session_keeper``) only. The token and cookies
    are secrets: encrypted at rest and shown nowhere. ``paused_reason`` is set when the PBX
    refused a login: no login is tried again until the settings change or an administrator
    presses Tekshirish or Sync now; ``failed_logins`` (epoch seconds) caps tries at 3 in 15
    minutes whatever happens.
    """

    class Paused(models.TextChoices):
        NO = "", _("no")
        REFUSED = "refused", _("the password was refused")
        BLOCKED = "blocked", _("the PBX blocked this server")

    pbx = models.OneToOneField(
        PbxConnection, on_delete=models.CASCADE, related_name="kerio_session", editable=False
    )
    token = EncryptedCharField(max_length=255, blank=True, editable=False)
    cookies = EncryptedTextField(blank=True, editable=False)
    failed_logins = models.JSONField(default=list, blank=True, editable=False)
    paused_reason = models.CharField(
        max_length=10, choices=Paused.choices, blank=True, editable=False
    )
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Kerio session")
        verbose_name_plural = _("Kerio sessions")

    def __str__(self):
        return f"{self.pbx}"

    def pause_message(self):
        """Plain words for the banner and the health page, or "" when logins are not paused."""
        from providers.session_keeper import pause_state

        state = pause_state(self)
        return state.user_message if state is not None else ""


class SipTrunk(models.Model):
    """A SIP provider (trunk) record, kept for reference only.

    The real trunk is configured in Kerio Operator; saving it here changes nothing on the PBX.
    """

    class Transport(models.TextChoices):
        UDP = "udp", "UDP"
        TCP = "tcp", "TCP"
        TLS = "tls", "TLS"

    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        error_messages={"unique": _("A SIP provider with this name already exists.")},
    )
    server = models.CharField(_("SIP server"), max_length=255, validators=[validate_host])
    login = models.CharField(_("login"), max_length=150)
    password = EncryptedCharField(_("password"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=5060, validators=PORT_VALIDATORS)
    transport = models.CharField(
        _("transport"), max_length=3, choices=Transport.choices, default=Transport.UDP
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

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
