"""JSON-RPC 2.0 dispatch of the simulated administration API."""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from .query import QueryError, run_query
from .state import SimState

logger = logging.getLogger("providers.kerio.simulator")

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
SESSION_EXPIRED, LOGIN_FAILED, NOT_FOUND = -32001, 1000, 1000
BLOCKED_MESSAGE = "Too many failed login attempts. Your address is blocked for %1 minutes."

SERVER_SOFTWARE = "Kerio Operator 2.6.3 build 7432"
SERVER_OS = "Linux (Kerio Operator simulator)"
API_VERSION = 1
LIVE_CAP = 10_000


class RpcError(Exception):
    def __init__(self, code: int, message: str, *parameters):
        super().__init__(message)
        self.code, self.message, self.parameters = code, message, list(parameters)


@dataclass
class Reply:
    """An answer body plus the session cookie to set ("" clears it, None leaves it)."""

    body: dict
    cookie: str | None = None


def error_body(request_id, code: int, message: str, parameters=()) -> dict:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {
            "code": code,
            "message": message,
            "data": {"messageParameters": {"positionalParameters": list(parameters)}},
        },
    }


def parse(body: bytes) -> tuple[dict | None, str | None]:
    """The request object and its method name; (None, None) when the body is not JSON."""
    try:
        request = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(request, dict):
        return request, None
    method = request.get("method")
    return request, method if isinstance(method, str) else None


class Dispatcher:
    def __init__(self, state: SimState):
        self.state = state
        self.public: dict[str, Callable[[dict], dict]] = {"Version.getApiVersion": self.api_version}
        self.private: dict[str, Callable[[dict], dict]] = {
            "Server.getConstantList": self.constants,
            "CallHistory.get": self.call_history,
            "Status.getCalls": self.live_calls,
            "Server.getInternalDirectoryList": self.directory,
            "Recordings.get": self.recordings,
            "Recordings.downloadAudioContent": self.download,
        }

    def handle(
        self,
        request,
        method: str | None,
        token: str | None,
        cookie: str | None,
        address: str = "",
    ) -> Reply:
        if request is None:
            return Reply(error_body(None, PARSE_ERROR, "Parse error."))
        request_id = request.get("id") if isinstance(request, dict) else None
        if method is None or request.get("jsonrpc") != "2.0":
            return Reply(error_body(request_id, INVALID_REQUEST, "Invalid request."))
        params = request.get("params") or {}
        try:
            if not isinstance(params, dict):
                raise RpcError(INVALID_PARAMS, "Invalid params.")
            if method == "Session.login":
                token, cookie = self.login(params, address)
                return Reply(self._result(request_id, {"token": token}), cookie=cookie)
            if method == "Session.logout":
                self.state.close_session(token)
                return Reply(self._result(request_id, {}), cookie="")
            if method in self.public:
                return Reply(self._result(request_id, self.public[method](params)))
            if method not in self.private:
                raise RpcError(METHOD_NOT_FOUND, "Method not found.")
            if not self.state.session_valid(token, cookie):
                raise RpcError(SESSION_EXPIRED, "Session expired.")
            return Reply(self._result(request_id, self.private[method](params)))
        except QueryError as exc:
            logger.debug("Bad query in %s: %s", method, exc)
            return Reply(error_body(request_id, INVALID_PARAMS, "Invalid params.", [str(exc)]))
        except RpcError as exc:
            return Reply(error_body(request_id, exc.code, exc.message, exc.parameters))

    @staticmethod
    def _result(request_id, result: dict) -> dict:
        return {"jsonrpc": "2.0", "id": request_id, "result": result}

    def login(self, params: dict, address: str = "") -> tuple[str, str]:
        config = self.state.config
        if not isinstance(params.get("application"), dict):
            raise RpcError(INVALID_PARAMS, "Invalid params.", "application")
        if self.state.login_blocked(address):
            minutes = str(max(1, round(config.lockout_seconds / 60)))
            raise RpcError(LOGIN_FAILED, BLOCKED_MESSAGE.replace("%1", minutes), minutes)
        if params.get("userName") != config.username or params.get("password") != config.password:
            self.state.login_refused(address)
            raise RpcError(LOGIN_FAILED, "User name or password is incorrect.")
        return self.state.open_session()

    def api_version(self, params: dict) -> dict:
        return {"apiVersion": API_VERSION}

    def constants(self, params: dict) -> dict:
        return {"constantList": {"product": {"SERVER_SOFTWARE": SERVER_SOFTWARE,
                                             "SERVER_OS": SERVER_OS}}}  # fmt: skip

    def call_history(self, params: dict) -> dict:
        query = params.get("query") or {}
        hook = self.state.on_history_request
        if hook is not None:
            hook(self.state, query)
        with self.state.lock:
            page, total = run_query(self.state.history, query, self.state.page_cap)
            records = [
                self.state.present(self.state.with_line(dict(record)), ("TIMESTAMP",))
                for record in page
            ]
            return {"callHistory": records, "totalItems": total}

    def live_calls(self, params: dict) -> dict:
        page, total = run_query(self.state.live_calls(), params.get("query"), LIVE_CAP)
        return {"calls": [self.state.present(call) for call in page], "totalItems": total}

    def directory(self, params: dict) -> dict:
        entries = self.state.directory
        if params.get("onlyExtensions"):
            entries = [e for e in entries if e["EXTENSION_TYPE_ID"] == 1]
        page, total = run_query(entries, params.get("query"), LIVE_CAP)
        return {"numberList": page, "totalItems": total}

    def recordings(self, params: dict) -> dict:
        with self.state.lock:
            page, total = run_query(self.state.recordings, params.get("query"), self.state.page_cap)
            items = [self.state.present(dict(r), ("STARTED",)) for r in page]
            return {"recordingList": items, "totalItems": total}

    def download(self, params: dict) -> dict:
        if self.state.config.rejects_transcode and "transcode" in params:
            raise RpcError(INVALID_PARAMS, "Invalid params.", "transcode")
        recording_id = params.get("id")
        key = self.state.download_key(recording_id)
        if key is None:
            raise RpcError(NOT_FOUND, "Recording %1 does not exist.", str(recording_id))
        recording = self.state.recording_for_key(key)
        name = self.state.config.download_name or recording["NAME"]
        return {"fileDownload": {"name": name, "url": f"/admin/api/download/{key}"}}
