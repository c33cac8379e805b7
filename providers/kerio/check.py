"""The settings page's "Check" button: walk the connection step by step and say where it stops."""

import socket
import ssl
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .client import KerioClient
from .connection import ConnectionSettings
from .errors import (
    ConnectionRefused,
    ConnectionTimeout,
    HostNotFound,
    KerioError,
    TlsError,
    TlsNotTrusted,
)
from .transport import unusable_ca_file
from .types import ServerInfo

STEPS = (
    ("reach", _("Reach the server")),
    ("tls", _("Secure connection (TLS)")),
    ("login", _("Log in")),
    ("version", _("Read the version")),
    ("history", _("Read the call history")),
    ("logout", _("Log out")),
)


@dataclass
class CheckStep:
    code: str
    label: object
    ok: bool | None = None  # None: not reached
    detail: str = ""


@dataclass
class CheckResult:
    ok: bool
    steps: list[CheckStep]
    server_info: ServerInfo | None = None
    error: KerioError | None = field(default=None, repr=False)

    @property
    def failed_step(self) -> CheckStep | None:
        return next((step for step in self.steps if step.ok is False), None)


def _open_socket(settings: ConnectionSettings) -> socket.socket:
    try:
        return socket.create_connection((settings.host, settings.port), timeout=settings.timeout)
    except socket.gaierror as exc:
        raise HostNotFound(f"host {settings.host!r} not found") from exc
    except ConnectionRefusedError as exc:
        raise ConnectionRefused(f"{settings.base_url} refused the connection") from exc
    except TimeoutError as exc:
        raise ConnectionTimeout(f"{settings.base_url} did not answer") from exc
    except OSError as exc:
        raise ConnectionRefused(f"{settings.base_url} unreachable: {exc}") from exc


def _reach(settings: ConnectionSettings) -> str:
    with _open_socket(settings) as sock:
        address = sock.getpeername()[0]
    return str(_("Port %(port)s is open at %(address)s")) % {
        "port": settings.port,
        "address": address,
    }


def _handshake(settings: ConnectionSettings) -> str:
    if settings.scheme != "https":
        return str(_("Not used: the connection is plain HTTP."))
    if settings.verify_tls:
        try:
            context = ssl.create_default_context(cafile=settings.ca_file or None)
        except (OSError, ssl.SSLError) as exc:
            raise unusable_ca_file(settings, exc) from exc
    else:
        context = ssl._create_unverified_context()  # noqa: S323 - the admin turned it off
    try:
        with (
            _open_socket(settings) as raw,
            context.wrap_socket(raw, server_hostname=settings.host) as tls,
        ):
            protocol = tls.version()
    except ssl.SSLCertVerificationError as exc:
        raise TlsNotTrusted(f"certificate not trusted: {exc.verify_message}") from exc
    except (ssl.SSLError, ConnectionResetError) as exc:
        raise TlsError(f"TLS handshake failed: {exc}") from exc
    except TimeoutError as exc:
        raise ConnectionTimeout("the TLS handshake did not finish in time") from exc
    if not settings.verify_tls:
        return str(_("%(protocol)s, certificate NOT verified (verification is off)")) % {
            "protocol": protocol
        }
    return str(_("%(protocol)s, certificate trusted")) % {"protocol": protocol}


def check_connection(settings: ConnectionSettings) -> CheckResult:
    """Run every step in order; stop at the first failure and explain it in plain words."""
    steps = [CheckStep(code, label) for code, label in STEPS]
    result = CheckResult(ok=False, steps=steps)
    client = KerioClient(settings)
    actions = {
        "reach": lambda: _reach(settings),
        "tls": lambda: _handshake(settings),
        "login": lambda: _login(client),
        "version": lambda: _version(client, result),
        "history": lambda: _history(client),
        "logout": lambda: _logout(client),
    }
    try:
        for step in steps:
            try:
                step.detail = actions[step.code]()
            except KerioError as exc:
                step.ok, step.detail, result.error = False, str(exc.user_message), exc
                return result
            step.ok = True
        result.ok = True
        return result
    finally:
        client.close()


def _login(client: KerioClient) -> str:
    client.login()
    return str(_("Logged in as %(user)s")) % {"user": client.settings.username}


def _version(client: KerioClient, result: CheckResult) -> str:
    result.server_info = client.server_info()
    return str(result.server_info)


def _history(client: KerioClient) -> str:
    page = client.call_history_page(0, 1)
    return str(_("%(count)s calls in the history")) % {"count": page.total_items}


def _logout(client: KerioClient) -> str:
    client.logout()
    return ""
