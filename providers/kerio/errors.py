"""Typed errors of the Kerio client.

Each error carries ``user_message``: plain, translatable words an administrator can act on.
``str(error)`` is the technical detail for logs. Neither ever contains a password or a token:
errors are built only from our own words, the server's error message and the server address.
"""

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _


def _interpolate(message, params: dict) -> str:
    return str(message) % params


# Interpolated only when shown, in the reader's language (and picklable, unlike a lambda).
_format = lazy(_interpolate, str)


class KerioError(Exception):
    """Base class of every failure talking to Kerio Operator."""

    default_user_message = _("The Kerio Operator server could not be used.")

    def __init__(
        self,
        detail: str = "",
        *,
        code: int | None = None,
        server_message: str = "",
        user_message=None,
    ):
        self.detail = detail or server_message or self.__class__.__name__
        self.code = code
        self.server_message = server_message
        self._derived_user_message = user_message is None
        self.user_message = user_message if user_message is not None else self._user_message()
        super().__init__(self.detail)

    def _user_message(self):
        return self.default_user_message

    def __str__(self) -> str:
        return self.detail

    def redact(self, *secrets: str | None) -> None:
        """Blank every secret out of this error's texts: a server may echo what it was sent."""
        for secret in filter(None, secrets):
            self.detail = self.detail.replace(secret, "***")
            self.server_message = self.server_message.replace(secret, "***")
        self.args = (self.detail,)
        if self._derived_user_message:
            self.user_message = self._user_message()


class HostNotFound(KerioError):
    default_user_message = _(
        "The server name could not be found. Check the host name or use the IP address."
    )


class ConnectionRefused(KerioError):
    default_user_message = _(
        "The server refused the connection. Check the port (Kerio Operator's administration "
        "port is 4021) and that no firewall blocks it."
    )


class ConnectionTimeout(KerioError):
    default_user_message = _(
        "The server did not answer in time. Check the address, the network and the firewall, "
        "or raise the timeout."
    )


class TlsNotTrusted(KerioError):
    default_user_message = _(
        "The server's certificate is not trusted. Give the CA file that signed it (or the "
        "server's own certificate), or knowingly turn TLS verification off."
    )


class TlsError(KerioError):
    default_user_message = _(
        "A secure (TLS) connection could not be made. Check that the port speaks HTTPS."
    )


class LoginFailed(KerioError):
    """Any error answered to Session.login: wrong credentials or no API access."""

    def _user_message(self):
        if self.server_message:
            return _format(
                _(
                    "Login failed: wrong user name or password, or the user has no access to "
                    "the administration API. The server said: %(message)s"
                ),
                {"message": self.server_message},
            )
        return _(
            "Login failed: wrong user name or password, or the user has no access to the "
            "administration API."
        )


class ApiError(KerioError):
    """A JSON-RPC error object other than the ones with a class of their own."""

    def _user_message(self):
        return _format(
            _("The server reported an error %(code)s: %(message)s"),
            {"code": self.code, "message": self.server_message or "-"},
        )


class SessionExpired(ApiError):
    """The session kept expiring even right after a fresh login."""

    def _user_message(self):
        return _("The server keeps ending the session. Try again later.")


class AccessDenied(ApiError):
    def _user_message(self):
        return _(
            "Access denied: the user has no rights for this. Give it the administrator role "
            "in Kerio Operator."
        )


class ServerUnavailable(KerioError):
    default_user_message = _(
        "The server is not able to answer now (it failed or broke the connection several "
        "times). Try again later."
    )


class UnexpectedAnswer(KerioError):
    default_user_message = _(
        "The server's answer was not understood. Check that the address points at the Kerio "
        "Operator administration API (port 4021)."
    )


class TlsFingerprintMismatch(TlsNotTrusted):
    """The server presented a certificate other than the pinned one; nothing was sent to it."""

    def __init__(self, detail: str = "", *, expected: str = "", presented: str = "", **kwargs):
        self.expected, self.presented = expected, presented
        super().__init__(detail, **kwargs)

    def _user_message(self):
        from .tls import format_fingerprint

        return _format(
            _(
                "The PBX presented a different certificate (SHA-256 %(presented)s) from the "
                "trusted one (%(expected)s), so nothing was sent to it. If the PBX's certificate "
                "was renewed, press Tekshirish on the connection's settings and then “Trust "
                "this certificate”; if not, someone may be intercepting the connection."
            ),
            {
                "presented": format_fingerprint(self.presented) if self.presented else "?",
                "expected": format_fingerprint(self.expected),
            },
        )


class LoginBlocked(LoginFailed):
    """The PBX refuses logins from this address after too many failed attempts."""

    def _user_message(self):
        return _format(
            _(
                "The PBX has blocked logins from this server after too many failed attempts. "
                "Wait until the block expires (usually several minutes), make sure the password "
                "in Settings is right, then press Tekshirish. The server said: %(message)s"
            ),
            {"message": self.server_message or "-"},
        )


BLOCKED_WORDS = ("too many", "blocked", "locked", "attempts", "banned")


def login_error(detail: str, *, code, server_message: str) -> LoginFailed:
    """The error for a refused Session.login: blocked (anti-hammering) or plain refusal."""
    text = server_message.casefold()
    kind = LoginBlocked if any(word in text for word in BLOCKED_WORDS) else LoginFailed
    return kind(detail, code=code, server_message=server_message)


class LoginsPaused(KerioError):
    """No login was tried: earlier ones were refused and trying again could get this server
    blocked by the PBX. ``reason`` is "refused", "blocked" or "limit"; ``until`` (aware
    datetime) is when the limit allows a try again, for "limit"."""

    def __init__(self, detail: str = "", *, reason: str = "refused", until=None, **kwargs):
        self.reason, self.until = reason, until
        super().__init__(detail or f"logins paused ({reason})", **kwargs)

    def _user_message(self):
        return paused_message(self.reason, self.until)


def paused_message(reason: str, until=None):
    """Plain words for paused logins, in the reader's language when shown."""
    if reason == "blocked":
        return _(
            "The PBX blocked logins from this server after failed attempts; logins are paused. "
            "Correct the password in Settings if needed, wait for the block to expire, then "
            "press Tekshirish."
        )
    if reason == "limit" and until is not None:
        return _format(
            _(
                "Three logins were refused in the last 15 minutes; no more are tried until "
                "%(time)s so the PBX does not block this server. Correct the password in "
                "Settings."
            ),
            {"time": _local_time(until)},
        )
    return _(
        "The PBX refused the password; logins are paused so the PBX does not block this "
        "server — correct the password in Settings."
    )


def _local_time(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%H:%M")
