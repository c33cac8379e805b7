"""Run a producer in a thread a few items ahead of its consumer.

The sync reads and normalizes the next answers from the PBX while the database stores the current
one: the thread waits on the network and does the Python work while the caller's thread waits on
the database, so the two costs overlap instead of adding up. The producer must not use the
caller's database connection; its items are handed over in order, its errors re-raised in the
caller, and it is stopped and joined when the caller stops early.
"""

import queue
import threading
from collections.abc import Callable, Generator, Iterator
from typing import TypeVar

from django.utils import translation

T = TypeVar("T")

_ITEM, _ERROR, _DONE = "item", "error", "done"
_POLL_SECONDS = 0.1


def read_ahead(make_source: Callable[[], Generator[T]], *, depth: int = 2) -> Iterator[T]:
    """Yield the items of ``make_source()``, produced in a thread at most ``depth`` ahead."""
    handover: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    language = translation.get_language()

    def hand_over(message) -> bool:
        while not stop.is_set():
            try:
                handover.put(message, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        with translation.override(language):
            try:
                source = make_source()
                try:
                    for item in source:
                        if not hand_over((_ITEM, item)):
                            return
                finally:
                    source.close()
            except BaseException as exc:  # re-raised in the consumer
                hand_over((_ERROR, exc))
                return
            hand_over((_DONE, None))

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = handover.get()
            if kind == _ITEM:
                yield value
            elif kind == _ERROR:
                raise value
            else:
                return
    finally:
        stop.set()
        thread.join()
