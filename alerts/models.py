"""Notifications: where they go (channels, linked Telegram chats), what triggers them (rules,
incidents) and the outbox every message is written to before it is sent."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from encrypted_model_fields.fields import EncryptedCharField


class Language(models.TextChoices):
    UZ = "uz", "O'zbekcha"
    RU = "ru", "Русский"
    EN = "en", "English"


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class Channel(models.Model):
    """One way out: a Telegram bot, the mail server, or a webhook URL. Secrets are encrypted and
    never rendered back into a form."""

    class Kind(models.TextChoices):
        TELEGRAM = "telegram", _("Telegram bot")
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    bot_token = EncryptedCharField(_("bot token"), max_length=255, blank=True)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = EncryptedCharField(_("signing secret"), max_length=255, blank=True)
    # The next Telegram update to read (getUpdates offset): updates below it are confirmed.
    telegram_offset = models.BigIntegerField(default=0, editable=False)
    last_test_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_message = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")

    def __str__(self):
        return self.name


class Recipient(models.Model):
    """A user's notification preferences: the language messages are written in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_recipient"
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.UZ
    )

    def __str__(self):
        return str(self.user)


class TelegramChat(models.Model):
    """A Telegram chat linked to a user by a one-time code; only linked chats receive messages
    or may press buttons."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="chats")
    chat_id = models.BigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_chats"
    )
    title = models.CharField(max_length=255, blank=True)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "chat_id"], name="telegram_chat_once")
        ]

    def __str__(self):
        return f"{self.title or self.chat_id} → {self.user}"


class LinkCode(models.Model):
    """A one-time code shown in Settings; sending it to the bot links the chat to `user`."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="link_codes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    code = models.CharField(max_length=16, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} ({self.expires_at:%Y-%m-%d %H:%M})"


class Rule(models.Model):
    """What is sent, switched on by an administrator: one row per kind."""

    class Kind(models.TextChoices):
        MISSED_CALL = "missed_call", _("A missed call in business hours")
        UNHEALTHY = "unhealthy", _("The system is unhealthy, and when it recovers")
        CALLBACK_OVERDUE = "callback_overdue", _("A callback still open too long")
        SERVICE_LEVEL = "service_level", _("The service level drops below the target")
        INBOUND_SILENCE = "inbound_silence", _("No inbound calls when they usually come")
        DAILY_DIGEST = "daily_digest", _("Daily digest")
        WEEKLY_DIGEST = "weekly_digest", _("Weekly digest")

    class QuietMode(models.TextChoices):
        HOLD = "hold", _("Hold until the quiet hours end")
        DROP = "drop", _("Drop")

    kind = models.CharField(_("rule"), max_length=20, choices=Kind.choices, unique=True)
    enabled = models.BooleanField(_("enabled"), default=False)
    # Since when the rule looks at events: switching it on does not replay the past.
    enabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # How far the rule has looked: the missed-call rule at calls first stored after this moment,
    # the overdue rule at callbacks whose clock started after it.
    checked_until = models.DateTimeField(null=True, blank=True, editable=False)
    channels = models.ManyToManyField(Channel, blank=True, verbose_name=_("channels"))
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, verbose_name=_("recipients")
    )
    # Each kind's settings (alerts.forms.RULE_SETTINGS lists which kind uses which). Business
    # hours are the call center's working hours (monitoring.callbacks.hours), not the rule's.
    overdue_minutes = models.PositiveIntegerField(
        _("overdue after this many working minutes"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
    )
    target_percent = models.PositiveSmallIntegerField(
        _("service level target, %"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    min_calls = models.PositiveIntegerField(
        _("judged only with at least this many inbound calls in the hour"),
        default=5,
        validators=[MinValueValidator(1)],
    )
    margin_percent = models.PositiveSmallIntegerField(
        _("recovered at once this many points above the target"),
        default=5,
        validators=[MaxValueValidator(50)],
    )
    recovery_minutes = models.PositiveIntegerField(
        _("otherwise recovered after this many minutes not below the target"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    silence_minutes = models.PositiveIntegerField(
        _("minutes without an inbound call"),
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    usual_calls = models.PositiveIntegerField(
        _("watched when the hour usually brings at least this many inbound calls"),
        default=5,
        validators=[MinValueValidator(1)],
    )
    history_weeks = models.PositiveSmallIntegerField(
        _("weeks of history the usual number is learned from"),
        default=6,
        validators=[MinValueValidator(2), MaxValueValidator(12)],
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    quiet_mode = models.CharField(
        _("during quiet hours"), max_length=4, choices=QuietMode.choices, default=QuietMode.HOLD
    )
    # The digests: when they are sent (Tashkent time; empty: the kind's default) and, weekly, on
    # which ISO weekday.
    digest_time = models.TimeField(_("send at"), null=True, blank=True)
    digest_weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, default=Weekday.MONDAY
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("notification rule")
        verbose_name_plural = _("notification rules")

    def __str__(self):
        return self.get_kind_display()


class Incident(models.Model):
    """A problem a rule reported once, open until it recovers (hysteresis: one message when it
    starts, one when it ends, none per poll in between)."""

    rule = models.CharField(max_length=20, choices=Rule.Kind.choices)
    key = models.CharField(max_length=100)
    params = models.JSONField(default=dict)
    opened_at = models.DateTimeField()
    # Since when the problem has looked fixed; it is resolved once that has lasted long enough.
    green_since = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "key"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_incident_per_key",
            )
        ]

    def __str__(self):
        return f"{self.rule} {self.key}"


class Notification(models.Model):
    """The outbox: each message written here first, then sent by the worker. `event_key` names
    the event; with the channel and address it is unique, so an event is queued once per
    recipient however often a rule or task runs."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Failed")
        DROPPED = "dropped", _("Dropped (quiet hours)")

    class Event(models.TextChoices):
        MISSED_CALL = "missed_call", _("Missed call")
        UNHEALTHY = "unhealthy", _("Problem")
        RECOVERED = "recovered", _("Recovered")
        CALLBACK_OVERDUE = "callback_overdue", _("Callback overdue")
        SERVICE_LEVEL_LOW = "service_level_low", _("Service level below target")
        SERVICE_LEVEL_OK = "service_level_ok", _("Service level recovered")
        INBOUND_SILENCE = "inbound_silence", _("No inbound calls")
        INBOUND_RESUMED = "inbound_resumed", _("Inbound calls again")
        TEST = "test", _("Test message")
        DAILY_DIGEST = "daily_digest", _("Daily digest")
        WEEKLY_DIGEST = "weekly_digest", _("Weekly digest")

    event_key = models.CharField(max_length=200)
    event = models.CharField(max_length=30, choices=Event.choices)
    params = models.JSONField(default=dict)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # A Telegram chat id, an e-mail address or a webhook URL.
    address = models.CharField(max_length=500)
    language = models.CharField(max_length=5, default=Language.UZ)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    not_before = models.DateTimeField()
    # A worker's claim; a claim past this time belongs to a worker that died and is taken over.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "channel", "address"], name="notification_once_per_event"
            )
        ]
        # The worker's scan for due messages.
        indexes = [models.Index(fields=["status", "not_before"], name="notification_due")]

    def __str__(self):
        return f"{self.event_key} → {self.address}"
