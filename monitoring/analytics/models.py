"""The wallboard's thresholds and read-only links, and the inbound calls "who is calling" reads
(imported by monitoring.models)."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WallboardSettings(models.Model):
    """The green / amber / red thresholds of the wallboard's tiles; one row (`current()`).

    Service level is good at or above `service_level_good` and bad below `service_level_warn`;
    the other figures are good below their "warn" value and bad from their "bad" value on.
    """

    service_level_good = models.PositiveSmallIntegerField(
        _("service level: green from (%)"), default=80
    )
    service_level_warn = models.PositiveSmallIntegerField(
        _("service level: amber from (%)"), default=60
    )
    waiting_warn = models.PositiveSmallIntegerField(_("callers waiting: amber from"), default=2)
    waiting_bad = models.PositiveSmallIntegerField(_("callers waiting: red from"), default=5)
    wait_warn_seconds = models.PositiveIntegerField(
        _("longest wait: amber from (seconds)"), default=30
    )
    wait_bad_seconds = models.PositiveIntegerField(
        _("longest wait: red from (seconds)"), default=60
    )
    missed_warn = models.PositiveIntegerField(_("missed today: amber from"), default=5)
    missed_bad = models.PositiveIntegerField(_("missed today: red from"), default=15)

    class Meta:
        verbose_name = _("wallboard settings")
        verbose_name_plural = _("wallboard settings")

    def __str__(self):
        return str(_("wallboard settings"))

    def clean(self):
        pairs = [
            ("service_level_warn", self.service_level_warn, self.service_level_good),
            ("waiting_bad", self.waiting_warn, self.waiting_bad),
            ("wait_bad_seconds", self.wait_warn_seconds, self.wait_bad_seconds),
            ("missed_bad", self.missed_warn, self.missed_bad),
        ]
        errors = {}
        for field, low, high in pairs:
            if low is not None and high is not None and low > high:
                errors[field] = _("The amber threshold must not pass the red or green one.")
        if self.service_level_good is not None and self.service_level_good > 100:
            errors["service_level_good"] = _("A percentage is at most 100.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> "WallboardSettings":
        """The one row, created with the defaults the first time it is asked for."""
        row = cls.objects.order_by("pk").first()
        return row if row is not None else cls.objects.create()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WallboardLink(models.Model):
    """A secret URL that shows the wallboard alone, for a TV without a user account.

    Only the token's SHA-256 is stored: the URL is shown once, when the link is made. A revoked
    link answers "not found" like a link that never existed.
    """

    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("wallboard link")
        verbose_name_plural = _("wallboard links")

    def __str__(self):
        return self.name

    @classmethod
    def create(cls, name: str) -> tuple["WallboardLink", str]:
        """A new link and its token (the only time the token is known)."""
        token = secrets.token_urlsafe(32)
        return cls.objects.create(name=name, token_hash=hash_token(token)), token

    @classmethod
    def active_for(cls, token: str) -> "WallboardLink | None":
        """The unrevoked link of `token`, or None."""
        if not token or len(token) > 100:
            return None
        return cls.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True).first()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def mark_used(self) -> None:
        """When the TV last showed it (not audited: it changes every refresh)."""
        type(self).objects.filter(pk=self.pk).update(last_used_at=timezone.now())


class InboundCall(models.Model):
    """One inbound call as "who is calling" reads it, kept beside the calls by
    ``monitoring.analytics.inbound_index`` in the same transaction as they are written.

    A narrow row: the caller's number and its origin, the start, whether no person answered,
    and the start of the same number's previous inbound call (in the order of start, then id;
    across every PBX). From these a period's callers, new callers and repeat calls are counted
    exactly in one pass over the period's rows, however long the history.
    """

    # No foreign key: deleting calls stays one statement; their rows leave with them.
    call = models.OneToOneField(
        "monitoring.Call",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    number = models.CharField(_("number"), max_length=32, blank=True)
    started_at = models.DateTimeField(_("start time"))
    # prefixes.origin_of_national(number), worked out when the row is written.
    origin = models.CharField(_("origin"), max_length=16)
    missed = models.BooleanField(_("missed"))
    previous_at = models.DateTimeField(_("previous call from the number"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound call")
        verbose_name_plural = _("inbound calls")
        indexes = [
            # A period's figures: a range of starts, read from the index alone on PostgreSQL.
            models.Index(
                fields=["started_at"],
                include=["number", "origin", "missed", "previous_at"],
                name="inbound_started",
            ),
            # A number's previous and next calls when one is written or removed.
            models.Index(fields=["number", "started_at", "call"], name="inbound_number_started"),
        ]

    def __str__(self):
        return f"{self.number or '-'} {self.started_at:%Y-%m-%d %H:%M:%S}"
