"""The simulated PBX's world: history, live calls, recordings, sessions. Thread-safe."""

import copy
import datetime as dt
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..clock import pbx_epoch
from . import demo
from .config import SimulatorConfig

# Live-call STATUS codes are not documented by Kerio; these are the simulator's own.
LIVE_RINGING, LIVE_CONNECTED = 1, 2


@dataclass
class LiveCall:
    id: int
    from_num: str
    from_name: str
    from_type: int
    to_num: str
    to_name: str
    to_type: int
    started: float
    answered_at: float | None = None

    def as_status(self, now: float) -> dict:
        talk = int(now - self.answered_at) if self.answered_at is not None else 0
        return {
            "FROM": {"NUMBER": self.from_num, "NAME": self.from_name},
            "TO": {"NUMBER": self.to_num, "NAME": self.to_name},
            "STATUS": LIVE_CONNECTED if self.answered_at is not None else LIVE_RINGING,
            "CALL_DURATION": int(now - self.started),
            "ANSWERED_DURATION": max(talk, 1) if self.answered_at is not None else 0,
        }


@dataclass
class Session:
    cookie: str
    expires_at: float


class SimState:
    """Everything the fake PBX knows. Every method takes the lock, so tests may call them from
    any thread, also from inside ``on_history_request``."""

    def __init__(self, config: SimulatorConfig, clock: Callable[[], float] = time.time):
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()
        self.rng = random.Random(config.seed)
        self.page_cap = config.page_cap
        self.on_history_request: Callable[[SimState, dict], None] | None = None
        self.request_counts: Counter[str] = Counter()
        self.directory = demo.directory()
        self.history: list[dict] = []
        self.recordings: list[dict] = []
        self.live: dict[int, LiveCall] = {}
        self.sessions: dict[str, Session] = {}
        self.downloads: dict[str, str] = {}  # download key -> recording ID
        self._next_id = 1
        self._next_live = 1
        self.failed_logins = 0
        self.lockouts = 0
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        now = config.now if config.now is not None else clock()
        if config.queue_records not in ("", *demo.QUEUE_RECORD_SHAPES):
            raise ValueError(f"queue_records: {config.queue_records!r}")
        self.add_history(
            demo.history(self.rng, config.history_size, config.days, now, config.queue_records)
        )

    # -- history -------------------------------------------------------------------------------

    def add_history(self, records: Iterable[dict], *, recordings: bool = True) -> list[dict]:
        """Append finished calls as given (exact twins allowed); returns the stored copies."""
        added = []
        with self.lock:
            for record in records:
                stored = copy.deepcopy(record)
                if self.config.with_ids and "ID" not in stored:
                    stored = {"ID": self._next_id, **stored}
                    self._next_id += 1
                self.history.append(stored)
                added.append(stored)
                if recordings and self.rng.random() < self.config.recording_share:
                    recording = demo.recording_for(stored, len(self.recordings) + 1)
                    if recording:
                        self.recordings.append(recording)
        return added

    def add_malformed(self, record: dict | None = None) -> dict:
        """Store a record with garbage types, as a broken PBX export might."""
        garbage = record or {
            "TIMESTAMP": "abc",
            "FROM_NUM": None,
            "TO_NUM": 12345,
            "CALL_DURATION": "long",
            "ANSWERED_DURATION": -7,
            "STATUS": "??",
        }
        return self.add_history([garbage], recordings=False)[0]

    def history_snapshot(self) -> list[dict]:
        with self.lock:
            return copy.deepcopy(self.history)

    # -- live calls ----------------------------------------------------------------------------

    def party_type(self, number: str) -> int:
        entry = next((e for e in self.directory if e["TEL_NUM"] == number), None)
        return entry["EXTENSION_TYPE_ID"] if entry else demo.EXTERNAL

    def start_call(
        self,
        from_num: str,
        to_num: str,
        *,
        from_name: str = "",
        to_name: str = "",
        from_type: int | None = None,
        to_type: int | None = None,
        answered: bool = False,
    ) -> int:
        """A call starts ringing now (or is connected at once); returns its live id."""
        with self.lock:
            now = self.clock()
            call = LiveCall(
                id=self._next_live,
                from_num=from_num,
                from_name=from_name,
                from_type=self.party_type(from_num) if from_type is None else from_type,
                to_num=to_num,
                to_name=to_name,
                to_type=self.party_type(to_num) if to_type is None else to_type,
                started=now,
                answered_at=now if answered else None,
            )
            self.live[call.id] = call
            self._next_live += 1
            return call.id

    def answer_call(self, live_id: int) -> None:
        with self.lock:
            call = self.live[live_id]
            if call.answered_at is None:
                call.answered_at = self.clock()

    def end_call(self, live_id: int, status: int | None = None) -> dict:
        """Hang up: the call leaves the live list and enters the history stamped with its start
        (a queue's call as its legs with ``queue_records="legs"``: the last one is returned)."""
        with self.lock:
            call = self.live.pop(live_id)
            now = self.clock()
            talk = int(now - call.answered_at) if call.answered_at is not None else 0
            if status is None:
                status = demo.ANSWERED if call.answered_at is not None else demo.NO_ANSWER
            record = {
                "TIMESTAMP": int(call.started),
                "FROM_NUM": call.from_num,
                "FROM_NAME": call.from_name,
                "TO_NUM": call.to_num,
                "TO_NAME": call.to_name,
                "CALL_DURATION": int(now - call.started),
                "ANSWERED_DURATION": talk,
                "STATUS": status,
                "FROM_TYPE": call.from_type,
                "TO_TYPE": call.to_type,
            }
            return self.add_history(demo.shaped([record], self.config.queue_records))[-1]

    def live_calls(self) -> list[dict]:
        with self.lock:
            now = self.clock()
            return [call.as_status(now) for call in self.live.values()]

    # -- how numbers and times go out ------------------------------------------------------------

    def with_line(self, record: dict) -> dict:
        """A history record with the company line written as ``inbound_line`` says."""
        mode = self.config.inbound_line
        internal = {entry["TEL_NUM"] for entry in self.directory}
        inbound = (
            str(record.get("TO_NUM")) in internal and str(record.get("FROM_NUM")) not in internal
        )
        if not mode or not inbound:
            return record
        if mode == "field":
            return {**record, "DID": demo.company_line(record)}
        return {**record, "TO_NUM": demo.company_line(record), "TO_NAME": ""}

    def present(self, item: dict, time_fields: tuple[str, ...] = ()) -> dict:
        """An item as this box writes it: local-time epochs in ``time_fields``, numbers as
        strings (see ``SimulatorConfig``)."""
        zone = self.config.timestamps_timezone
        if zone and zone != "UTC":
            for name in time_fields:
                value = item.get(name)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    local = pbx_epoch(dt.datetime.fromtimestamp(value, dt.UTC), zone)
                    item[name] = int(local) if isinstance(value, int) else local
        if self.config.numbers_as_strings:
            item = _numbers_as_strings(item)
        return item

    # -- failed logins -------------------------------------------------------------------------

    def login_blocked(self, address: str) -> bool:
        with self.lock:
            return self._locked_until.get(address, 0.0) > self.clock()

    def login_refused(self, address: str) -> None:
        """Count a refused login; block the address after ``lockout_after`` of them."""
        with self.lock:
            self.failed_logins += 1
            limit = self.config.lockout_after
            if limit <= 0:
                return
            now = self.clock()
            window = [t for t in self._failures.get(address, []) if t > now - 600] + [now]
            self._failures[address] = window
            if len(window) >= limit:
                self._locked_until[address] = now + self.config.lockout_seconds
                self._failures[address] = []
                self.lockouts += 1

    # -- sessions ------------------------------------------------------------------------------

    def open_session(self) -> tuple[str, str]:
        """A new session: returns (token, cookie value)."""
        token, cookie = secrets.token_hex(16), secrets.token_hex(16)
        with self.lock:
            self.sessions[token] = Session(cookie, self.clock() + self.config.session_ttl)
        return token, cookie

    def session_valid(self, token: str | None, cookie: str | None) -> bool:
        """Both the token and its cookie must match an unexpired session (refreshed on use)."""
        with self.lock:
            session = self.sessions.get(token or "")
            now = self.clock()
            if session is None or session.cookie != cookie:
                return False
            if session.expires_at <= now:
                del self.sessions[token]
                return False
            session.expires_at = now + self.config.session_ttl
            return True

    def close_session(self, token: str | None) -> None:
        with self.lock:
            self.sessions.pop(token or "", None)

    def expire_sessions(self) -> None:
        """Every open session answers -32001 from now on."""
        with self.lock:
            self.sessions.clear()

    # -- recordings ----------------------------------------------------------------------------

    def download_key(self, recording_id) -> str | None:
        with self.lock:
            if not any(r["ID"] == recording_id for r in self.recordings):
                return None
            key = secrets.token_urlsafe(12)
            self.downloads[key] = recording_id
            return key

    def recording_for_key(self, key: str) -> dict | None:
        with self.lock:
            recording_id = self.downloads.get(key)
            return next((r for r in self.recordings if r["ID"] == recording_id), None)

    def count(self, method: str) -> None:
        with self.lock:
            self.request_counts[method] += 1


def _numbers_as_strings(value):
    if isinstance(value, dict):
        return {key: _numbers_as_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_as_strings(item) for item in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value
