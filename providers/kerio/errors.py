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
