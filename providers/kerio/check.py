"""The settings page's "Check" button: walk the connection step by step and say where it stops."""

import contextlib
import socket
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .client import KerioClient
from .clock import ClockWarning, newest_record_warning
from .connection import ConnectionSettings
from .errors import (
    ApiError,
    ConnectionRefused,
    ConnectionTimeout,
    HostNotFound,
    KerioError,
    TlsNotTrusted,
    UnexpectedAnswer,
)
from .sessions import SessionKeeper
from .tls import CertificateInfo, format_fingerprint, presented_certificate
from .types import ServerInfo
from .values import as_number

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
    # What the server presented (shown with "Trust this certificate" when it is not trusted).
    certificate: CertificateInfo | None = None
    clock_warning: ClockWarning | None = None

    @property
    def certificate_refused(self) -> bool:
        return isinstance(self.error, TlsNotTrusted) and self.certificate is not None

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


def _handshake(client: KerioClient, result: CheckResult) -> str:
    """The client's own transport decides, so the check says what the sync will meet."""
    settings = client.settings
    if settings.scheme != "https":
        return str(_("Not used: the connection is plain HTTP."))
    result.certificate = presented_certificate(settings)
    # An error answer still came over the connection: the TLS part is what is checked here.
    with contextlib.suppress(ApiError, UnexpectedAnswer):
        client.probe_tls()
    if settings.pinned:
        return str(_("Certificate matches the trusted fingerprint %(fingerprint)s")) % {
            "fingerprint": format_fingerprint(settings.tls_fingerprint)
        }
    if not settings.verify_tls:
        return str(_("Certificate NOT verified (verification is off)"))
    return str(_("Certificate trusted"))


def check_connection(
    settings: ConnectionSettings,
    *,
    keeper: SessionKeeper | None = None,
    timestamps_zone: str = "UTC",
) -> CheckResult:
    """Run every step in order; stop at the first failure and explain it in plain words.

    ``keeper`` only guards the login (the check always logs in afresh and out again, to prove
    the credentials); ``timestamps_zone`` reads the newest record's time for the clock check.
    """
    steps = [CheckStep(code, label) for code, label in STEPS]
    result = CheckResult(ok=False, steps=steps)
    client = KerioClient(settings, keeper=_GuardOnly(keeper) if keeper else None)
    actions = {
        "reach": lambda: _reach(settings),
        "tls": lambda: _handshake(client, result),
        "login": lambda: _login(client),
        "version": lambda: _version(client, result),
        "history": lambda: _history(client, result, timestamps_zone),
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


def _history(client: KerioClient, result: CheckResult, zone_name: str) -> str:
    page = client.call_history_page(0, 1)
    text = str(_("%(count)s calls in the history")) % {"count": page.total_items}
    newest = page.records[0] if page.records and isinstance(page.records[0], dict) else {}
    warning = newest_record_warning(as_number(newest.get("TIMESTAMP")), zone_name, timezone.now())
    if warning is not None:
        result.clock_warning = warning
        text = f"{text}. {warning.message}"
    return text


class _GuardOnly(SessionKeeper):
    """Another keeper's login guard, without its saved session."""

    def __init__(self, keeper: SessionKeeper):
        self.keeper = keeper

    def before_login(self) -> None:
        self.keeper.before_login()

    def login_refused(self, error) -> None:
        self.keeper.login_refused(error)

    def login_succeeded(self) -> None:
        self.keeper.login_succeeded()

    def close(self) -> None:
        self.keeper.close()


def _logout(client: KerioClient) -> str:
    client.logout()
    return ""
