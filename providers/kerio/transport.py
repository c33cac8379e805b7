"""One JSON-RPC POST with bounded retries, and the mapping of HTTP failures to typed errors."""

import json
import logging
import random
import re
import socket
import ssl
import warnings
from collections.abc import Callable

import requests
from django.utils.translation import gettext_lazy as _
from urllib3.exceptions import (
    ConnectTimeoutError,
    InsecureRequestWarning,
    NameResolutionError,
    NewConnectionError,
)

from .connection import ConnectionSettings
from .errors import (
    ConnectionRefused,
    ConnectionTimeout,
    HostNotFound,
    KerioError,
    ServerUnavailable,
    TlsError,
    TlsFingerprintMismatch,
    TlsNotTrusted,
    UnexpectedAnswer,
)
from .tls import presented_fingerprint_in

logger = logging.getLogger("providers.kerio")

MAX_BACKOFF = 30.0
HEADERS = {
    "Content-Type": "application/json-rpc",
    "Accept": "application/json-rpc, application/json",
}


class _Transient(Exception):
    """A failure worth another attempt; carries the typed error to raise when attempts run out."""

    def __init__(self, error: KerioError):
        super().__init__(str(error))
        self.error = error


def _causes(exc: BaseException):
    """Every exception wrapped inside ``exc`` (requests and urllib3 nest them deeply)."""
    seen, stack = set(), [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen or len(seen) > 50:
            continue
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))


def _find(exc: BaseException, *types):
    return next((cause for cause in _causes(exc) if isinstance(cause, types)), None)


def _innermost_text(exc: BaseException) -> str:
    causes = list(_causes(exc))
    return str(causes[-1] if causes else exc)[:300]


def map_request_error(
    exc: requests.RequestException, settings: ConnectionSettings
) -> tuple[KerioError, bool]:
    """Translate a requests exception into (typed error, worth retrying)."""
    where = settings.base_url
    if isinstance(exc, requests.exceptions.SSLError) or (
        isinstance(exc, requests.exceptions.ConnectionError) and _find(exc, ssl.SSLError)
    ):
        if settings.pinned and "Fingerprints did not match" in str(exc):
            presented = presented_fingerprint_in(str(exc))
            return TlsFingerprintMismatch(
                f"certificate of {where} is not the pinned one (presented {presented or '?'})",
                expected=settings.tls_fingerprint,
                presented=presented,
            ), False
        verify_failure = _find(exc, ssl.SSLCertVerificationError)
        if verify_failure or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            reason = getattr(verify_failure, "verify_message", "") or _innermost_text(exc)
            return TlsNotTrusted(f"certificate of {where} not trusted: {reason}"), False
        return TlsError(f"TLS with {where} failed: {_innermost_text(exc)}"), False
    connection_error = isinstance(exc, requests.exceptions.ConnectionError)
    if connection_error and _find(exc, NameResolutionError, socket.gaierror):
        return HostNotFound(f"host {settings.host!r} not found"), False
    if connection_error and _find(exc, ConnectionRefusedError):
        return ConnectionRefused(f"{where} refused the connection"), False
    # urllib3's NewConnectionError subclasses ConnectTimeoutError: only a real timeout counts.
    timed_out = any(
        isinstance(cause, TimeoutError | ConnectTimeoutError)
        and not isinstance(cause, NewConnectionError)
        for cause in _causes(exc)
    )
    if isinstance(exc, requests.exceptions.Timeout) or (connection_error and timed_out):
        return ConnectionTimeout(f"{where} did not answer within {settings.timeout}s"), True
    if connection_error:
        return ServerUnavailable(f"connection to {where} broken: {_innermost_text(exc)}"), True
    if isinstance(exc, requests.exceptions.InvalidURL):
        return HostNotFound(f"invalid server address {where}"), False
    return KerioError(f"request to {where} failed: {type(exc).__name__}"), False


def unusable_ca_file(settings: ConnectionSettings, exc: OSError) -> TlsError:
    return TlsError(
        f"CA file {settings.ca_file!r} cannot be used: {exc}",
        user_message=_("The CA file cannot be read. Check its path and that it is a PEM file."),
    )


class Transport:
    """POSTs JSON-RPC envelopes; retries timeouts, broken connections, 5xx and garbled bodies."""

    def __init__(
        self,
        settings: ConnectionSettings,
        session: requests.Session,
        sleep: Callable[[float], None],
    ):
        self.settings = settings
        self.session = session
        self.sleep = sleep

    def delay(self, retry: int) -> float:
        """Exponential backoff with jitter: base * 2**retry, scaled by 0.5-1.5."""
        base = min(self.settings.backoff * (2**retry), MAX_BACKOFF)
        return base * random.uniform(0.5, 1.5)

    def post(self, method: str, payload: dict, headers: dict, *, retry: bool = True) -> dict:
        """Send one envelope and return the decoded answer (a dict with result or error)."""
        body = json.dumps(payload)
        attempts = max(self.settings.retries, 0) + 1 if retry else 1
        for attempt in range(attempts):
            try:
                return self._post_once(body, headers)
            except _Transient as transient:
                if attempt + 1 >= attempts:
                    raise transient.error from transient.error.__cause__
                wait = self.delay(attempt)
                logger.warning(
                    "Kerio %s failed (%s); retry %d of %d in %.1fs",
                    method,
                    transient.error,
                    attempt + 1,
                    attempts - 1,
                    wait,
                )
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _post_once(self, body: str, headers: dict) -> dict:
        settings = self.settings
        try:
            with warnings.catch_warnings():
                # The admin turned verification off knowingly; do not warn on every call.
                warnings.simplefilter("ignore", InsecureRequestWarning)
                response = self.session.post(
                    settings.url,
                    data=body.encode(),
                    headers={**HEADERS, **headers},
                    timeout=settings.timeout,
                    verify=settings.verify,
                )
        except requests.RequestException as exc:
            error, transient = map_request_error(exc, settings)
            error.__cause__ = exc
            if transient:
                raise _Transient(error) from exc
            raise error from exc
        except OSError as exc:  # requests reports an unreadable CA bundle this way
            raise unusable_ca_file(settings, exc) from exc
        return self._decode(response)

    def _decode(self, response: requests.Response) -> dict:
        status = response.status_code
        if status >= 500:
            raise _Transient(ServerUnavailable(f"HTTP {status} from {self.settings.base_url}"))
        if status != 200:
            raise UnexpectedAnswer(f"HTTP {status} from {self.settings.url}", code=status)
        try:
            # NaN and Infinity are not JSON, yet Python's encoder writes them: keep such a value
            # as its text, which any database stores, rather than a float that none does.
            answer = response.json(parse_constant=str)
        except ValueError:
            raise _Transient(UnexpectedAnswer("the answer is not JSON")) from None
        if not isinstance(answer, dict) or not ("result" in answer or "error" in answer):
            raise _Transient(UnexpectedAnswer("the answer is not a JSON-RPC response"))
        if _SURROGATE_ESCAPE.search(response.content):
            answer = _without_lone_surrogates(answer)
        return answer


# JSON may escape half of a UTF-16 pair alone ("\ud800"). Decoded, it is a string that cannot be
# written as UTF-8, so no hash, log or database could take it: it becomes U+FFFD, the replacement
# character. (A whole pair decodes to one character and is left alone.)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value):
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {
            _without_lone_surrogates(key): _without_lone_surrogates(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    return value
