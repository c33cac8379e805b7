"""A private CA and a server certificate for the simulator, made with ``cryptography``."""

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CERT_FILE = "server-cert.pem"
KEY_FILE = "server-key.pem"
VALID_DAYS = 825


@dataclass(frozen=True)
class CertificateFiles:
    ca_file: Path
    cert_file: Path
    key_file: Path


def ensure_certificates(directory: Path, host: str = "127.0.0.1") -> CertificateFiles:
    """Reuse the files in ``directory`` while valid for ``host``; otherwise make new ones."""
    directory.mkdir(parents=True, exist_ok=True)
    files = CertificateFiles(directory / CA_FILE, directory / CERT_FILE, directory / KEY_FILE)
    if not _usable(files, host):
        _generate(files, host)
    return files


def _names(host: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host and host != "localhost":
            names.append(x509.DNSName(host))
    else:
        if not address.is_unspecified and x509.IPAddress(address) not in names:
            names.append(x509.IPAddress(address))
    return names


def _usable(files: CertificateFiles, host: str) -> bool:
    if not all(path.is_file() for path in (files.ca_file, files.cert_file, files.key_file)):
        return False
    try:
        cert = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    return cert.not_valid_after_utc > soon and all(name in sans for name in _names(host))


def _generate(files: CertificateFiles, host: str) -> None:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    until = now + dt.timedelta(days=VALID_DAYS)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kerio Operator simulator CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host or "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(_names(host)), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(files, key, cert)
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))


def _write(files: CertificateFiles, key, cert: x509.Certificate) -> None:
    """The server's key (readable by its owner only) and certificate, as PEM."""
    pem = serialization.Encoding.PEM
    files.key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    files.key_file.chmod(0o600)
    files.cert_file.write_bytes(cert.public_bytes(pem))


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def appliance_certificate(directory: Path, common_name: str, tag: str = "") -> CertificateFiles:
    """A new self-signed certificate with a common name only, as Kerio appliances ship:
    no subjectAltName, no CA of its own (``ca_file`` is the certificate itself). ``tag`` keeps
    a renewed one apart from the first."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"appliance{tag}"
    files = CertificateFiles(
        directory / f"{stem}-cert.pem",
        directory / f"{stem}-cert.pem",
        directory / f"{stem}-key.pem",
    )
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .sign(key, hashes.SHA256())
    )
    _write(files, key, cert)
    return files


def fingerprint(cert_file: Path) -> str:
    """SHA-256 of the certificate in ``cert_file`` (hex), as a client pins it."""
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    return cert.fingerprint(hashes.SHA256()).hex()
