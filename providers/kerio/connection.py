"""Plain connection values for one Kerio Operator server (no Django model involved)."""

from dataclasses import dataclass, field

API_PATH = "/admin/api/jsonrpc/"


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and how to reach the administration JSON-RPC API.

    ``retries`` counts transport retries after the first attempt; ``backoff`` is the base delay
    in seconds, doubled on every retry and jittered. The password is left out of ``repr``.

    ``tls_fingerprint`` (SHA-256, hex) pins the server's certificate: when set, exactly that
    certificate is accepted, whatever its names and issuer, and no other. ``ca_pem`` is an
    uploaded CA certificate (PEM text), used like ``ca_file``.
    """

    host: str
    port: int = 4021
    username: str = ""
    password: str = field(default="", repr=False)
    verify_tls: bool = True
    ca_file: str = ""
    timeout: float = 15.0
    retries: int = 3
    backoff: float = 0.5
    scheme: str = "https"
    tls_fingerprint: str = ""
    ca_pem: str = field(default="", repr=False)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def endpoint(self) -> str:
        return API_PATH

    @property
    def url(self) -> str:
        return self.base_url + self.endpoint

    @property
    def pinned(self) -> bool:
        return self.scheme == "https" and bool(self.tls_fingerprint)

    @property
    def verify(self) -> bool | str:
        """The value for requests' ``verify=``: off when the admin turned it off, or when a
        pinned fingerprint replaces the CA and host name checks (see ``tls.PinnedAdapter``)."""
        if not self.verify_tls or self.pinned:
            return False
        if self.ca_pem:
            from .tls import ca_pem_file

            return ca_pem_file(self.ca_pem)
        return self.ca_file or True
