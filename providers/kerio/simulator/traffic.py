"""Live traffic: calls start at a given rate, ring, connect, hang up and enter the history."""

import logging
import random
import threading
import time
from dataclasses import dataclass

from . import demo
from .state import SimState

logger = logging.getLogger("providers.kerio.simulator")


@dataclass
class _Progress:
    answer_at: float | None
    end_at: float
    status: int


class TrafficGenerator(threading.Thread):
    """Starts about ``rate`` calls a minute; ``time_scale`` shrinks ring and talk times."""

    def __init__(self, state: SimState, rate: float, time_scale: float = 1.0, seed: int = 0):
        super().__init__(name="kerio-simulator-traffic", daemon=True)
        self.state = state
        self.rate = rate
        self.time_scale = time_scale
        self.rng = random.Random(seed)
        self.factory = demo.CallFactory(self.rng, queue_calls=bool(state.config.queue_records))
        self.halt = threading.Event()
        self.calls: dict[int, _Progress] = {}
        # Calls back to customers whose call was missed: (when, plan), started when due.
        self.callbacks: list[tuple[float, demo.CallPlan]] = []

    def stop(self) -> None:
        self.halt.set()
        if self.is_alive():
            self.join(timeout=5)

    def run(self) -> None:
        next_start = time.monotonic() + self._gap()
        while not self.halt.is_set():
            now = time.monotonic()
            if now >= next_start:
                self._start(now, self.factory.plan())
                next_start = now + self._gap()
            for due, plan in [c for c in self.callbacks if c[0] <= now]:
                self.callbacks.remove((due, plan))
                self._start(now, plan)
            self._advance(now)
            due = [next_start, *(p.end_at for p in self.calls.values())]
            due += [when for when, _plan in self.callbacks]
            due += [p.answer_at for p in self.calls.values() if p.answer_at is not None]
            self.halt.wait(min(max(min(due) - time.monotonic(), 0.01), 0.5))

    def _gap(self) -> float:
        return self.rng.expovariate(self.rate / 60.0)

    def _start(self, now: float, plan: demo.CallPlan) -> None:
        live_id = self.state.start_call(
            plan.from_num, plan.to_num, from_name=plan.from_name, to_name=plan.to_name,
            from_type=plan.from_type, to_type=plan.to_type,
        )  # fmt: skip
        ring, talk = plan.ring * self.time_scale, plan.talk * self.time_scale
        answered = plan.status in (demo.ANSWERED, demo.VOICEMAIL_ANSWERED)
        self.calls[live_id] = _Progress(now + ring if answered else None, now + ring + talk,
                                        plan.status)  # fmt: skip
        callback = self.factory.callback_for(plan)
        if callback is not None:
            # Called back minutes (or hours) later in real time; only the calls themselves are
            # shortened by the time scale.
            self.callbacks.append((now + ring + talk + callback[0], callback[1]))

    def _advance(self, now: float) -> None:
        for live_id, progress in list(self.calls.items()):
            try:
                if progress.answer_at is not None and now >= progress.answer_at:
                    self.state.answer_call(live_id)
                    progress.answer_at = None
                if now >= progress.end_at:
                    del self.calls[live_id]
                    self.state.end_call(live_id, progress.status)
            except KeyError:  # a test ended this call by hand
                self.calls.pop(live_id, None)
