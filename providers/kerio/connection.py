"""Plain connection values for one Kerio Operator server (no Django model involved)."""

from dataclasses import dataclass, field

API_PATH = "/admin/api/jsonrpc/"


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and how to reach the administration JSON-RPC API.

    ``retries`` counts transport retries after the first attempt; ``backoff`` is the base delay
    in seconds, doubled on every retry and jittered. The password is left out of ``repr``.
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
    def verify(self) -> bool | str:
        """The value for requests' ``verify=``: off only when the admin turned it off."""
        if not self.verify_tls:
            return False
        return self.ca_file or True
