"""The HTTP(S) front of the simulator: JSON-RPC on POST, recording downloads on GET."""

import contextlib
import json
import logging
import socket
import ssl
import struct
import threading
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..connection import API_PATH
from .audio import tone_wav
from .faults import Faults
from .rpc import Dispatcher, parse
from .state import SimState

logger = logging.getLogger("providers.kerio.simulator")

COOKIE_NAME = "Session_admin"
DOWNLOAD_PATH = "/admin/api/download/"
TRUNCATED_JSON = b'{"jsonrpc": "2.0", "id": 1, "result": {"callHisto'


class SimulatorHTTPServer(ThreadingHTTPServer):
    """Serves each connection in its own thread; TLS handshakes happen there too, so one slow or
    failing client never blocks the others."""

    daemon_threads = True

    def __init__(self, address, state: SimState, faults: Faults, context: ssl.SSLContext | None):
        self.state = state
        self.faults = faults
        self.dispatcher = Dispatcher(state)
        self.ssl_context = context
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            if self.ssl_context is not None:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            with self._connections_lock:
                self._connections.add(request)
            super().finish_request(request, client_address)
        except (OSError, ssl.SSLError) as exc:
            logger.debug("Connection from %s ended: %s", client_address, exc)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def handle_error(self, request, client_address):
        logger.debug("Error while serving %s", client_address, exc_info=True)

    def close_connections(self) -> None:
        self.stopping.set()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this each answer waits ~40 ms for
    # the client's delayed ACK.
    disable_nagle_algorithm = True
    server_version = "KerioOperatorSimulator/1.0"
    sys_version = ""
    server: SimulatorHTTPServer

    def log_message(self, format, *args):
        logger.debug("%s - " + format, self.address_string(), *args)

    def do_POST(self):
        if self.path.rstrip("/") != API_PATH.rstrip("/"):
            self._send(404, b"Not found", "text/plain")
            return
        length = int(self.headers.get("Content-Length") or 0)
        request, method = parse(self.rfile.read(length))
        self.server.state.count(method or "(invalid)")
        fault = self.server.faults.take(method)
        if fault and self._play(fault, request):
            return
        reply = self.server.dispatcher.handle(
            request, method, self.headers.get("X-Token"), self._cookie(), self.client_address[0]
        )
        cookie = None
        if reply.cookie is not None:
            secure = "; Secure" if self.server.ssl_context else ""
            expiry = "; Max-Age=0" if reply.cookie == "" else ""
            cookie = f"{COOKIE_NAME}={reply.cookie}; Path=/; HttpOnly{secure}{expiry}"
        try:
            body = json.dumps(reply.body, ensure_ascii=False).encode()
        except UnicodeEncodeError:  # half of a UTF-16 pair: JSON can only carry it escaped
            body = json.dumps(reply.body).encode()
        self._send(200, body, "application/json-rpc; charset=utf-8", cookie=cookie)

    def do_GET(self):
        state = self.server.state
        if not self.path.startswith(DOWNLOAD_PATH):
            self._send(404, b"Not found", "text/plain")
            return
        state.count("GET download")
        if not state.session_valid(self.headers.get("X-Token"), self._cookie()):
            self._send(403, b"Session expired.", "text/plain")
            return
        recording = state.recording_for_key(self.path[len(DOWNLOAD_PATH) :].split("?")[0])
        if recording is None:
            self._send(404, b"No such download", "text/plain")
            return
        config = state.config
        disposition = f'attachment; filename="{recording["NAME"]}"'
        body = tone_wav() if config.download_body is None else config.download_body
        self._send(
            200, body, config.download_content_type, extra={"Content-Disposition": disposition}
        )

    def _cookie(self) -> str | None:
        try:
            morsel = SimpleCookie(self.headers.get("Cookie", "")).get(COOKIE_NAME)
        except CookieError:
            return None
        return morsel.value if morsel else None

    def _play(self, fault: str, request=None) -> bool:
        """Play an ordered failure; True when it replaced the answer."""
        logger.debug("Playing fault %s", fault)
        if fault == "timeout":
            self.server.stopping.wait(self.server.faults.delay)
            return False
        if fault == "http500":
            self._send(500, b"<html><body>500 Internal Server Error</body></html>", "text/html")
        elif fault == "bad_json":
            self._send(200, TRUNCATED_JSON, "application/json-rpc")
        elif fault in ("echo_result", "echo_error"):
            request = request if isinstance(request, dict) else {}
            echo = json.dumps(request.get("params"))
            body = {"jsonrpc": "2.0", "id": request.get("id")}
            if fault == "echo_result":
                body["result"] = {"received": request.get("params")}
            else:
                body["error"] = {"code": -32602, "message": f"Invalid params: {echo}"}
            self._send(200, json.dumps(body).encode(), "application/json-rpc")
        elif fault == "reset":
            # Linger 0: closing sends a TCP reset instead of a polite goodbye.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
        return True

    def _send(self, status: int, body: bytes, content_type: str, *, cookie=None, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if cookie:
            self.send_header("Set-Cookie", cookie)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def server_context(cert_file, key_file) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context
