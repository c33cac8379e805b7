"""Tokens: make one (shown once), revoke one, and find the token a request presents.

Creation and revocation are audited through `audit.track` (ApiToken, its hash a secret); a
refused token is audited here, at most once a minute per reason and token prefix, so a client
stuck on an old token does not fill the log.
"""

import hmac

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEntry
from api.models import PREFIX_LENGTH, TOKEN_MARK, ApiToken, hash_token

# Why a request's token was refused (the error codes of a 401 answer).
MISSING = "missing_token"
MALFORMED = "malformed_token"
UNKNOWN = "unknown_token"
REVOKED = "revoked_token"
INACTIVE = "inactive_user"
# The longest token looked up: a real one has 47 characters.
MAX_LENGTH = 100
# How often a token's last-used time is written: not at every request.
LAST_USED_EVERY_SECONDS = 60
AUDIT_EVERY_SECONDS = 60


@transaction.atomic
def create_token(name: str, user, created_by=None) -> tuple[ApiToken, str]:
    """A new token of `user` and its secret: show it now, it cannot be shown again."""
    return ApiToken.create(name.strip(), user, created_by=created_by)


def revoke_token(token: ApiToken) -> None:
    token.revoke()


def bearer(request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; "" for another scheme or an
    empty one, None without the header."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is None:
        return None
    scheme, _space, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return value.strip()


def find(presented: str | None) -> tuple[ApiToken | None, str]:
    """The active token `presented` names, or None and why not (MISSING, MALFORMED…).

    Candidates are found by their displayed prefix; the hashes are compared in constant time.
    """
    if presented is None:
        return None, MISSING
    if not presented.startswith(TOKEN_MARK) or not PREFIX_LENGTH < len(presented) <= MAX_LENGTH:
        return None, MALFORMED
    digest = hash_token(presented)
    candidates = ApiToken.objects.filter(prefix=presented[:PREFIX_LENGTH]).select_related("user")
    token = next((c for c in candidates if hmac.compare_digest(c.token_hash, digest)), None)
    if token is None:
        return None, UNKNOWN
    if not token.is_active:
        return token, REVOKED
    if not token.user.is_active:
        return token, INACTIVE
    return token, ""


def mark_used(token: ApiToken, now=None) -> None:
    """Note the token's use, at most once a minute (an update: no audit entry, no signal)."""
    now = now or timezone.now()
    last = token.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_EVERY_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def record_refusal(reason: str, presented: str | None, token: ApiToken | None, path: str,
                   address: str | None) -> None:  # fmt: skip
    """An audit entry for a refused token (not for a request without one)."""
    if reason == MISSING:
        return
    prefix = (presented or "")[:PREFIX_LENGTH] if reason != MALFORMED else ""
    key = f"api-refused:{reason}:{prefix or address}"
    if not cache.add(key, 1, timeout=AUDIT_EVERY_SECONDS):
        return
    changes = {"reason": reason, "path": path[:200], "address": address or ""}
    if prefix:
        changes["prefix"] = prefix
    if token is not None:
        audit.record(AuditEntry.Action.API_REFUSED, obj=token, changes=changes)
    else:
        audit.record(AuditEntry.Action.API_REFUSED, object_type="api.ApiToken", changes=changes)


def within_rate(token: ApiToken, limit: int, now=None) -> int:
    """0 when the token may make another request this minute, else the seconds until it may."""
    if limit <= 0:
        return 0
    now = now or timezone.now()
    window = int(now.timestamp()) // 60
    key = f"api-rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count <= limit:
        return 0
    return 60 - int(now.timestamp()) % 60
