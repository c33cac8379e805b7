"""Sign-in throttling (django-axes is told to use this module): whose address a request comes
from, and what locks it out.

- LOGIN_FAILURE_LIMIT failed sign-ins for one user name from one address lock that name there;
- LOGIN_ADDRESS_FAILURE_LIMIT failed sign-ins from one address, whatever the names, lock the
  address (one place trying many names);
- a successful sign-in clears its own name's failures only, so signing in to one account does not
  wipe the count of an address trying others.

The address is the connection's, or, behind TRUSTED_PROXY_COUNT proxies (a TLS proxy in front
of the web server), the one the client reached the first of them from. Without that setting, a
forwarded address is ignored: anyone can write the header.
"""

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the address the trusted proxies forwarded.

    Each proxy appends the address it was reached from to X-Forwarded-For; with N trusted
    proxies, the Nth entry from the end was written by the outermost one of ours: what came
    before it was written by the client, and proves nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote or None
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [item.strip() for item in header.split(",") if item.strip()]
    if len(forwarded) < trusted:
        return remote or None  # did not come through our proxies
    return _address(forwarded[-trusted]) or remote or None


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class ThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler with a limit of its own for an address across names.

    AXES_LOCKOUT_PARAMETERS (settings) are [user name and address, address]: the attempts come
    back in that order."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_name, by_address = (
            _failures(attempts) for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_name, get_failure_limit(request, credentials))
        return by_name

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        by_name = self.filter_user_attempts(request, credentials)[0]
        count, _deleted = by_name.delete()
        return count


# -- The password-change page ---------------------------------------------------------------------


def _password_key(user) -> str:
    return f"password-change-failures:{user.pk}"


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def password_change_locked(user) -> bool:
    """Whether `user` typed a wrong current password LOGIN_FAILURE_LIMIT times lately: someone
    at an unattended, signed-in browser must not be able to guess it at leisure."""
    if not settings.AXES_ENABLED:
        return False
    return (cache.get(_password_key(user)) or 0) >= settings.AXES_FAILURE_LIMIT


def password_change_failed(user) -> None:
    """Count a wrong current password; the count lapses LOGIN_LOCKOUT_MINUTES after the first."""
    if not settings.AXES_ENABLED:
        return
    key = _password_key(user)
    if cache.add(key, 1, timeout=settings.AXES_COOLOFF_TIME.total_seconds()):
        return
    try:
        cache.incr(key)
    except ValueError:  # lapsed in between
        cache.add(key, 1, timeout=settings.AXES_COOLOFF_TIME.total_seconds())


def password_change_succeeded(user) -> None:
    cache.delete(_password_key(user))
