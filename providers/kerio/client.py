"""The Kerio Operator administration JSON-RPC client.

One ``requests.Session`` keeps the session cookie; the token from Session.login travels as
``X-Token`` on every later call. Not thread-safe: use one client per thread.

With a ``SessionKeeper`` the session outlives the client: it is taken from the keeper before
logging in, given back after, and left open on close, so a poll every few seconds logs in once
per session instead of once per poll. The keeper also decides whether a login may be tried at
all, so a refused password is not tried again in a loop.
"""

import logging
import re
import time
from collections.abc import Callable, Iterator
from urllib.parse import urljoin, urlsplit

import requests

from .connection import ConnectionSettings
from .errors import (
    AccessDenied,
    ApiError,
    KerioError,
    LoginFailed,
    ServerUnavailable,
    SessionExpired,
    UnexpectedAnswer,
    login_error,
)
from .sessions import SavedSession, SessionKeeper
from .tls import mount_pinning
from .transport import Transport, map_request_error, unusable_ca_file
from .types import HistoryPage, RecordingDownload, ServerInfo
from .values import as_whole

logger = logging.getLogger("providers.kerio")

APPLICATION = {"name": "Call Center Monitor", "vendor": "Call Center Monitor", "version": "1.0"}
SESSION_EXPIRED = -32001
ACCESS_DENIED = 1004
INVALID_PARAMS = -32602
VERSION_PATTERN = re.compile(r"\d+(?:\.\d+)+(?:[ -]*(?:build|patch|beta|rc)[ -]*\d+)*", re.I)


class KerioClient:
    """Talks to one Kerio Operator. Use as a context manager: logs in on first call, out on exit."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        keeper: SessionKeeper | None = None,
    ):
        self.settings = settings
        self.keeper = keeper or SessionKeeper()
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        mount_pinning(self._session, settings)
        self._transport = Transport(settings, self._session, sleep or time.sleep)
        self._token: str | None = None
        self._restored = False
        self._last_id = 0
        self.logins = 0

    def __repr__(self) -> str:
        state = "logged in" if self.logged_in else "logged out"
        return f"<KerioClient {self.settings.base_url} user={self.settings.username!r} {state}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    @property
    def logged_in(self) -> bool:
        return self._token is not None

    def close(self) -> None:
        if self.keeper.keeps_session:
            self._token = None  # left open on the server for the next client
        else:
            self.logout()
        self.keeper.close()
        if self._owns_session:
            self._session.close()

    # -- session -------------------------------------------------------------------------------

    def probe_tls(self) -> None:
        """One request without credentials (Version.getApiVersion needs no login) through the
        very transport every call uses: if it passes, the certificate is what the sync accepts."""
        self._rpc("Version.getApiVersion", {}, retry=False)

    def login(self) -> None:
        self._token = None
        self.keeper.before_login()
        params = {
            "userName": self.settings.username,
            "password": self.settings.password,
            "application": APPLICATION,
        }
        self.logins += 1
        try:
            result = self._rpc("Session.login", params)
        except LoginFailed as exc:
            self.keeper.login_refused(exc)
            raise
        token = result.get("token")
        if not isinstance(token, str) or not token:
            # Only our own words: the answer may echo the parameters, the password among them.
            raise UnexpectedAnswer("Session.login answered without a token")
        self._token = token
        self.keeper.login_succeeded()
        self.keeper.save(
            SavedSession(token, requests.utils.dict_from_cookiejar(self._session.cookies))
        )
        logger.debug("Logged in to %s as %r", self.settings.base_url, self.settings.username)

    def _resume(self) -> bool:
        """Take up the keeper's saved session (once per client); True if there was one."""
        if self._restored:
            return False
        self._restored = True
        saved = self.keeper.load()
        if saved is None:
            return False
        self._token = saved.token
        for name, value in saved.cookies.items():
            self._session.cookies.set(name, value)
        return True

    def logout(self) -> None:
        """End the session; failures only matter to the debug log."""
        if self._token is None:
            return
        try:
            self._rpc("Session.logout", {}, retry=False)
        except KerioError as exc:
            logger.debug("Logout from %s failed: %s", self.settings.base_url, exc)
        finally:
            self._token = None
            self._session.cookies.clear()

    def call(self, method: str, params: dict | None = None) -> dict:
        """Call ``method`` and return its result; logs in again once if the session expired."""
        if self._token is None and not self._resume():
            self.login()
        try:
            return self._rpc(method, params or {})
        except SessionExpired:
            logger.info("Kerio session expired during %s; logging in again", method)
            self.keeper.forget()
            self._session.cookies.clear()
        self.login()
        return self._rpc(method, params or {})

    def _rpc(self, method: str, params: dict, *, retry: bool = True) -> dict:
        self._last_id += 1
        payload = {"jsonrpc": "2.0", "id": self._last_id, "method": method, "params": params}
        headers = {"X-Token": self._token} if self._token else {}
        logger.debug("Kerio call %s (id %d)", method, self._last_id)
        answer = self._transport.post(method, payload, headers, retry=retry)
        if "error" in answer and answer["error"] is not None:
            error = self._error(method, answer["error"])
            # A server may quote the request in its message: the password, the token.
            error.redact(self.settings.password, self._token)
            logger.debug("Kerio %s answered an error: %s", method, error)
            raise error
        result = answer.get("result")
        if result is None:
            return {}
        if not isinstance(result, dict):
            raise UnexpectedAnswer(f"{method} result is not an object")
        return result

    @staticmethod
    def _error(method: str, error) -> KerioError:
        if not isinstance(error, dict):
            return UnexpectedAnswer(f"{method} answered a malformed error")
        code, message = error.get("code"), str(error.get("message") or "")
        if method == "Session.login":
            return login_error(
                f"login refused ({code}): {message}", code=code, server_message=message
            )
        kinds = {SESSION_EXPIRED: SessionExpired, ACCESS_DENIED: AccessDenied}
        kind = kinds.get(code, ApiError)
        return kind(f"{method} failed ({code}): {message}", code=code, server_message=message)

    # -- operations ----------------------------------------------------------------------------

    def server_info(self) -> ServerInfo:
        constants = self.call("Server.getConstantList").get("constantList")
        product = constants.get("product") if isinstance(constants, dict) else None
        if not isinstance(product, dict):
            raise UnexpectedAnswer("Server.getConstantList has no constantList.product")
        software = str(product.get("SERVER_SOFTWARE") or "")
        match = VERSION_PATTERN.search(software)
        name = software[: match.start()].strip() if match else software
        try:
            api = self.call("Version.getApiVersion").get("apiVersion")
        except (ApiError, UnexpectedAnswer) as exc:
            logger.debug("Version.getApiVersion failed: %s", exc)
            api = None
        return ServerInfo(
            product=name or software,
            version=match.group(0) if match else "",
            os=str(product.get("SERVER_OS") or ""),
            api_version=None if api is None else str(api),
        )

    def call_history_page(
        self,
        start: int,
        limit: int,
        *,
        newest_first: bool = True,
        conditions: list[dict] | None = None,
    ) -> HistoryPage:
        direction = "Desc" if newest_first else "Asc"
        query = {
            "orderBy": [{"columnName": "TIMESTAMP", "direction": direction}],
            "start": start,
            "limit": limit,
            "combining": "And",
            "conditions": list(conditions or []),
        }
        result = self.call("CallHistory.get", {"query": query})
        records = result.get("callHistory")
        if not isinstance(records, list):
            raise UnexpectedAnswer("CallHistory.get answered without a callHistory list")
        total = as_whole(result.get("totalItems"))
        return HistoryPage(
            records=records,
            start=start,
            total_items=total if total is not None else len(records),
        )

    def iter_call_history(
        self,
        *,
        page_size: int = 500,
        newest_first: bool = True,
        conditions: list[dict] | None = None,
    ) -> Iterator[HistoryPage]:
        """Page through the history by the number of records actually returned."""
        start = 0
        while True:
            page = self.call_history_page(
                start, page_size, newest_first=newest_first, conditions=conditions
            )
            if not page.records:
                return
            yield page
            start += len(page.records)

    def active_calls(self) -> list[dict]:
        query = {
            "fields": ["from", "to", "status", "answered_duration", "call_duration"],
            "start": 0,
            "limit": -1,
            "orderBy": [{"columnName": "status", "direction": "Asc"}],
        }
        return self._list("Status.getCalls", {"query": query}, "calls")

    def extensions(self) -> list[dict]:
        params = {
            "query": {"orderBy": [{"columnName": "TEL_NUM", "direction": "Asc"}]},
            "onlyExtensions": False,
        }
        return self._list("Server.getInternalDirectoryList", params, "numberList")

    def recordings(
        self, *, start: int = 0, limit: int = -1, conditions: list[dict] | None = None
    ) -> list[dict]:
        query = {
            "orderBy": [{"columnName": "STARTED", "direction": "Desc"}],
            "start": start,
            "limit": limit,
            "combining": "And",
            "conditions": list(conditions or []),
        }
        return self._list("Recordings.get", {"query": query}, "recordingList")

    def _list(self, method: str, params: dict, key: str) -> list[dict]:
        items = self.call(method, params).get(key)
        if not isinstance(items, list):
            raise UnexpectedAnswer(f"{method} answered without a {key} list")
        return items

    def download_recording(self, recording_id) -> RecordingDownload:
        """Ask for a download link, then stream it from the same server with the same session."""
        try:
            result = self.call(
                "Recordings.downloadAudioContent", {"id": recording_id, "transcode": True}
            )
        except ApiError as exc:
            if exc.code != INVALID_PARAMS:
                raise
            # A box that does not know the parameter: ask as the oldest clients do.
            logger.info("Recordings.downloadAudioContent refused transcode; asking without it")
            result = self.call("Recordings.downloadAudioContent", {"id": recording_id})
        download = result.get("fileDownload")
        if not isinstance(download, dict) or not isinstance(download.get("url"), str):
            raise UnexpectedAnswer("Recordings.downloadAudioContent answered without a url")
        url = self._same_server_url(download["url"])
        try:
            response = self._session.get(
                url,
                headers={"X-Token": self._token or ""},
                stream=True,
                timeout=self.settings.timeout,
                verify=self.settings.verify,
            )
        except requests.RequestException as exc:
            raise map_request_error(exc, self.settings)[0] from exc
        except OSError as exc:
            raise unusable_ca_file(self.settings, exc) from exc
        if response.status_code != 200:
            response.close()
            kind = ServerUnavailable if response.status_code >= 500 else UnexpectedAnswer
            raise kind(f"download answered HTTP {response.status_code}", code=response.status_code)
        name = str(download.get("name") or url.rsplit("/", 1)[-1])
        return RecordingDownload(name, response)

    def _same_server_url(self, url: str) -> str:
        """Resolve the link against the API; an absolute link keeps only its path and query,
        so the session never leaves the configured server (a PBX behind NAT may name itself
        differently)."""
        parts = urlsplit(urljoin(self.settings.url, url))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.settings.base_url + path
