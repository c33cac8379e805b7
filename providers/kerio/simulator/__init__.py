"""A fake Kerio Operator: a real HTTP(S) JSON-RPC server over a simulated call center.

For tests, demos (``manage.py kerio_simulator``) and development without a PBX::

    with KerioSimulator(SimulatorConfig(history_size=5000)) as sim:
        settings = sim.connection_settings()
        sim.faults.fail_next(2, "http500")
        sim.on_history_request = lambda state, query: sim.add_history([...])
"""

import shutil
import tempfile
import threading
from pathlib import Path

from ..connection import ConnectionSettings
from .audio import tone_wav
from .certs import appliance_certificate, ensure_certificates, fingerprint
from .config import SimulatorConfig
from .faults import KINDS as FAULT_KINDS
from .faults import Faults
from .server import SimulatorHTTPServer, server_context
from .state import SimState
from .traffic import TrafficGenerator

__all__ = ["FAULT_KINDS", "KerioSimulator", "SimState", "SimulatorConfig"]


class KerioSimulator:
    """One simulated PBX. Build it, adjust hooks, ``start()``; ``stop()`` when done."""

    def __init__(self, config: SimulatorConfig | None = None, **overrides):
        if config is None:
            config = SimulatorConfig(**overrides)
        elif overrides:
            raise TypeError("pass either a SimulatorConfig or keyword overrides, not both")
        self.config = config
        self.state = SimState(config)
        self.faults = Faults(delay=config.fault_delay)
        self.ca_file: str = ""
        self.cert_file: str = ""
        self._renewals = 0
        self._server: SimulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._traffic: TrafficGenerator | None = None
        self._temp_dir: str | None = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server else "stopped"
        return f"<KerioSimulator {where} history={len(self.state.history)}>"

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> "KerioSimulator":
        if self._server is not None:
            return self
        context = None
        if self.config.tls:
            cert_dir = self.config.cert_dir
            if cert_dir is None:
                self._temp_dir = cert_dir = tempfile.mkdtemp(prefix="kerio-simulator-")
            if self.config.certificate == "self_signed_cn":
                # A fresh one per simulator: tests pin it and must not meet another's.
                tag = f"-{id(self)}"
                files = appliance_certificate(Path(cert_dir), self.config.cert_common_name, tag)
            else:
                files = ensure_certificates(Path(cert_dir), self.config.host)
            self.ca_file, self.cert_file = str(files.ca_file), str(files.cert_file)
            context = server_context(files.cert_file, files.key_file)
        self._server = SimulatorHTTPServer(
            (self.config.host, self.config.port), self.state, self.faults, context
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="kerio-simulator",
            daemon=True,
        )
        self._thread.start()
        if self.config.rate > 0:
            self._traffic = TrafficGenerator(
                self.state, self.config.rate, self.config.time_scale, self.config.seed
            )
            self._traffic.start()
        return self

    def stop(self) -> None:
        if self._traffic is not None:
            self._traffic.stop()
            self._traffic = None
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def renew_certificate(self) -> str:
        """Serve a new common-name-only certificate from now on (as after a renewal, or as a
        machine in the middle would); returns its fingerprint."""
        if self._server is None or self._server.ssl_context is None:
            raise RuntimeError("the simulator is not serving TLS")
        self._renewals += 1
        directory = Path(self.cert_file).parent
        files = appliance_certificate(
            directory, self.config.cert_common_name, f"-{id(self)}-renewed{self._renewals}"
        )
        self._server.ssl_context = server_context(files.cert_file, files.key_file)
        self.ca_file, self.cert_file = str(files.ca_file), str(files.cert_file)
        return self.certificate_fingerprint

    @property
    def certificate_fingerprint(self) -> str:
        """SHA-256 (hex) of the certificate served now."""
        return fingerprint(Path(self.cert_file))

    # -- where it listens ----------------------------------------------------------------------

    @property
    def host(self) -> str:
        host = self.config.host
        return "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104 - only compared

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._server.server_address[1]

    @property
    def scheme(self) -> str:
        return "https" if self.config.tls else "http"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def connection_settings(self, **overrides) -> ConnectionSettings:
        """Settings for a client of this simulator, trusting its CA; override any field."""
        values = {
            "host": self.host,
            "port": self.port,
            "username": self.config.username,
            "password": self.config.password,
            "verify_tls": True,
            "ca_file": self.ca_file,
            "scheme": self.scheme,
            "timeout": 5.0,
        }
        values.update(overrides)
        return ConnectionSettings(**values)

    # -- hooks for tests -----------------------------------------------------------------------

    @property
    def page_cap(self) -> int:
        return self.state.page_cap

    @page_cap.setter
    def page_cap(self, value: int) -> None:
        with self.state.lock:
            self.state.page_cap = value

    @property
    def on_history_request(self):
        """Called as ``hook(state, query)`` before each CallHistory.get is answered."""
        return self.state.on_history_request

    @on_history_request.setter
    def on_history_request(self, hook) -> None:
        self.state.on_history_request = hook

    @property
    def wav_bytes(self) -> bytes:
        """The audio every recording download serves."""
        return tone_wav()

    def history_snapshot(self) -> list[dict]:
        return self.state.history_snapshot()

    def add_history(self, records) -> list[dict]:
        return self.state.add_history(records)

    def add_malformed(self, record: dict | None = None) -> dict:
        return self.state.add_malformed(record)

    def start_call(self, from_num: str, to_num: str, **details) -> int:
        return self.state.start_call(from_num, to_num, **details)

    def answer_call(self, live_id: int) -> None:
        self.state.answer_call(live_id)

    def end_call(self, live_id: int, status: int | None = None) -> dict:
        return self.state.end_call(live_id, status)

    def live_calls(self) -> list[dict]:
        return self.state.live_calls()

    def recordings(self) -> list[dict]:
        with self.state.lock:
            return [dict(r) for r in self.state.recordings]

    def expire_sessions(self) -> None:
        self.state.expire_sessions()

    def request_counts(self) -> dict[str, int]:
        with self.state.lock:
            return dict(self.state.request_counts)

    def reset_counts(self) -> None:
        with self.state.lock:
            self.state.request_counts.clear()

    @property
    def failed_logins(self) -> int:
        """Refused logins since start (the ones a lock-out counts)."""
        with self.state.lock:
            return self.state.failed_logins

    @property
    def lockouts(self) -> int:
        """How many times an address was blocked."""
        with self.state.lock:
            return self.state.lockouts
