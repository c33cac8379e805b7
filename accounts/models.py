"""Operators' extensions and the audit log."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

_EXTENSION = re.compile(r"^[0-9*#+]{1,20}$")


def validate_extension_list(value: str) -> None:
    for item in split_extensions(value):
        if not _EXTENSION.match(item):
            raise ValidationError(
                _("“%(item)s” is not an extension number."), params={"item": item}, code="invalid"
            )


def split_extensions(value: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,\s]+", value or "") if item.strip()]


class OperatorProfile(models.Model):
    """The extensions an operator answers on one PBX: an operator sees only that PBX's calls
    that involve them. Branches may use the same extension numbers: operator 101 of one PBX
    does not see 101's calls on another. An operator of several PBXes has one row for each."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="operator_profiles",
    )
    # By name: accounts knows no other app's code, and a PBX removed takes its links along.
    pbx = models.ForeignKey(
        "providers.PbxConnection",
        verbose_name=_("Kerio Operator connection"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    extensions = models.CharField(
        _("extensions"),
        max_length=500,
        blank=True,
        validators=[validate_extension_list],
        help_text=_("Comma-separated extension numbers, e.g. 101, 102."),
    )

    class Meta:
        verbose_name = _("operator's extensions")
        verbose_name_plural = _("operators' extensions")
        constraints = [
            models.UniqueConstraint(fields=["user", "pbx"], name="operator_profile_one_per_pbx")
        ]

    def __str__(self):
        return f"{self.user} @ {self.pbx}: {self.extensions}"

    @property
    def extension_list(self) -> list[str]:
        return split_extensions(self.extensions)


class AuditEntry(models.Model):
    """Who changed what, and when. Secret fields record only that they changed."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        SYNC_NOW = "sync_now", _("Sync now")
        CHECK = "check", _("Connection check")
        CLAIM = "claim", _("Took a callback")
        ASSIGN = "assign", _("Assigned a callback")
        OUTCOME = "outcome", _("Callback outcome")
        API_REFUSED = "api_denied", _("API token refused")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "-at"], name="audit_type_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_repr}"
