"""The PBX's certificate: pinning it by fingerprint, and reading what the server presents.

Appliances ship a self-signed certificate, often with a common name only and issued to a host
name while offices connect by IP; urllib3 refuses such a certificate even as its own CA. Pinning
its SHA-256 fingerprint accepts exactly that certificate and nothing else. The client and the
"Check" button both go through ``PinnedAdapter`` (mounted by the transport), so the check can
never call trusted what the sync would refuse.
"""

import datetime as dt
import hashlib
import re
import socket
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from requests.adapters import HTTPAdapter

from .connection import ConnectionSettings

_HEX = re.compile(r"^[0-9a-f]{64}$")


def normalize_fingerprint(text: str) -> str:
    """A SHA-256 fingerprint as 64 lowercase hex digits; colons, spaces and case are ignored.

    Raises ValueError for anything else."""
    value = re.sub(r"[\s:]", "", str(text or "")).lower()
    if value.startswith("sha256"):
        value = value[6:].lstrip("=")
    if not _HEX.match(value):
        raise ValueError("a SHA-256 fingerprint is 64 hexadecimal digits")
    return value


def format_fingerprint(value: str) -> str:
    """``AB:CD:...`` as certificate viewers show it."""
    value = value.upper()
    return ":".join(value[i : i + 2] for i in range(0, len(value), 2))


def fingerprint_of(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


class PinnedAdapter(HTTPAdapter):
    """Accepts the server only if its certificate has the pinned SHA-256 fingerprint.

    urllib3 compares the fingerprint right after the handshake, before a byte of the request is
    sent, so a different certificate never receives the credentials.
    """

    def __init__(self, fingerprint: str, **kwargs):
        self.fingerprint = normalize_fingerprint(fingerprint)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["assert_fingerprint"] = self.fingerprint
        super().init_poolmanager(*args, **kwargs)

    def __getstate__(self):
        state = super().__getstate__()
        state["fingerprint"] = self.fingerprint
        return state


def mount_pinning(session, settings: ConnectionSettings) -> None:
    """Make ``session`` accept only the pinned certificate for this server (if one is pinned)."""
    if settings.pinned:
        session.mount(settings.base_url + "/", PinnedAdapter(settings.tls_fingerprint))


_PATTERN = re.compile(r'got "?\'?([0-9a-fA-F]{64})')


def presented_fingerprint_in(message: str) -> str:
    """The fingerprint urllib3 names in its "did not match" error, or ""."""
    match = _PATTERN.search(message)
    return match.group(1).lower() if match else ""


def ca_pem_file(pem: str) -> str:
    """A file holding an uploaded CA certificate (requests verifies against a path)."""
    digest = hashlib.sha256(pem.encode()).hexdigest()[:24]
    path = Path(tempfile.gettempdir()) / f"kerio-ca-{digest}.pem"
    if not path.is_file():
        temporary = path.with_suffix(f".{digest}.tmp")
        temporary.write_text(pem)
        temporary.replace(path)
    return str(path)


@dataclass(frozen=True)
class CertificateInfo:
    """What the server presented, for an administrator deciding whether to trust it."""

    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    fingerprint: str
    names: tuple[str, ...] = ()

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer

    @property
    def fingerprint_display(self) -> str:
        return format_fingerprint(self.fingerprint)

    def as_dict(self) -> dict:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "sha256": self.fingerprint_display,
            "subject_alt_names": list(self.names),
            "self_signed": self.self_signed,
        }


def _name(name: x509.Name) -> str:
    common = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(common[0].value) if common else name.rfc4514_string()


def describe(der: bytes) -> CertificateInfo:
    cert = x509.load_der_x509_certificate(der)
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(str(getattr(entry, "value", entry)) for entry in alt)
    except x509.ExtensionNotFound:
        names = ()
    return CertificateInfo(
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint=fingerprint_of(der),
        names=names,
    )


def presented_certificate(settings: ConnectionSettings) -> CertificateInfo | None:
    """The certificate the server presents, read without trusting it (for display only: the
    decision to trust is made by the transport). None when it cannot be read."""
    if settings.scheme != "https":
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((settings.host, settings.port), settings.timeout) as raw,
            context.wrap_socket(raw, server_hostname=settings.host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError, ValueError):
        return None
    return describe(der) if der else None
