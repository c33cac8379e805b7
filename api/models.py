"""API tokens: each belongs to a user and sees what that user's pages show."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What every token starts with, so a leaked one is recognised in a log or a repository.
TOKEN_MARK = "kcm_"  # noqa: S105 - a marker, not a secret
# The characters of a token kept for display: the mark and eight random characters.
PREFIX_LENGTH = len(TOKEN_MARK) + 8


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only the SHA-256 of its secret (32 random bytes) and its
    first characters are stored: the token itself is shown once, when it is made."""

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text=_("The token sees what this user's pages show."),
    )
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, db_index=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def create(cls, name: str, user, created_by=None) -> tuple["ApiToken", str]:
        """A new token of `user` and its secret (the only time it is known)."""
        token = TOKEN_MARK + secrets.token_urlsafe(32)
        row = cls.objects.create(
            name=name,
            user=user,
            created_by=created_by,
            prefix=token[:PREFIX_LENGTH],
            token_hash=hash_token(token),
        )
        return row, token

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        """The token stops working at once; revoking twice changes nothing."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
