"""Client for the Kerio Operator administration JSON-RPC API (and, in ``simulator``, a fake PBX).

Takes plain connection values; imports no Django model.
"""

from .check import CheckResult, CheckStep, check_connection
from .client import KerioClient
from .connection import ConnectionSettings
from .errors import (
    AccessDenied,
    ApiError,
    ConnectionRefused,
    ConnectionTimeout,
    HostNotFound,
    KerioError,
    LoginBlocked,
    LoginFailed,
    LoginsPaused,
    ServerUnavailable,
    SessionExpired,
    TlsError,
    TlsFingerprintMismatch,
    TlsNotTrusted,
    UnexpectedAnswer,
)
from .sessions import SavedSession, SessionKeeper
from .types import HistoryPage, RecordingDownload, ServerInfo

__all__ = [
    "AccessDenied",
    "ApiError",
    "CheckResult",
    "CheckStep",
    "ConnectionRefused",
    "ConnectionSettings",
    "ConnectionTimeout",
    "HistoryPage",
    "HostNotFound",
    "KerioClient",
    "KerioError",
    "LoginBlocked",
    "LoginFailed",
    "LoginsPaused",
    "RecordingDownload",
    "SavedSession",
    "ServerInfo",
    "ServerUnavailable",
    "SessionExpired",
    "SessionKeeper",
    "TlsError",
    "TlsFingerprintMismatch",
    "TlsNotTrusted",
    "UnexpectedAnswer",
    "check_connection",
]
