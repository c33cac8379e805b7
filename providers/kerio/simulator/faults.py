"""Failures a test can order from the simulator: 5xx, slow answers, garbage, cut connections, and
a confused server that echoes the request's parameters (as a result, or in an error message)."""

import threading
from collections import deque

KINDS = ("http500", "timeout", "bad_json", "reset", "echo_result", "echo_error")


class Faults:
    """Thread-safe queue of failures to play on the next requests (all, or of one method)."""

    def __init__(self, delay: float = 3.0):
        self.delay = delay  # seconds a "timeout" fault holds the answer back
        self._lock = threading.Lock()
        self._any: deque[str] = deque()
        self._methods: dict[str, deque[str]] = {}

    def fail_next(self, n: int, kind: str) -> None:
        """Fail the next ``n`` requests, whatever they ask."""
        self._check(kind)
        with self._lock:
            self._any.extend([kind] * n)

    def fail_method(self, method: str, n: int, kind: str) -> None:
        """Fail the next ``n`` calls of ``method`` (e.g. "CallHistory.get")."""
        self._check(kind)
        with self._lock:
            self._methods.setdefault(method, deque()).extend([kind] * n)

    def clear(self) -> None:
        with self._lock:
            self._any.clear()
            self._methods.clear()

    def take(self, method: str | None) -> str | None:
        """The fault to play on this request, if any (method-specific ones first)."""
        with self._lock:
            queue = self._methods.get(method or "")
            if queue:
                return queue.popleft()
            if self._any:
                return self._any.popleft()
        return None

    @staticmethod
    def _check(kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose from {', '.join(KINDS)}")
