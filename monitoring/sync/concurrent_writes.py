"""Write a stream of items on several threads, each with its own database connection.

A first sync or a backfill writes hundreds of pages, and on PostgreSQL each page's statement keeps
one server process busy: a single connection leaves the database's other cores idle while the run
waits on it. ``write_concurrently`` hands the items to a few writer threads instead and gives each
item's result back to the caller as it completes, in the order they complete. The caller keeps
everything else (counting, progress, the run's lock) in its own thread.

Each writer thread opens its own connection (Django's connections are per thread) and closes it
when it ends. Only what commits on its own may be written this way: a writer's statements are
not part of the caller's transaction, and the caller's uncommitted rows are not visible to them.
"""

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TypeVar

from django.db import connections
from django.utils import translation

T = TypeVar("T")
R = TypeVar("R")

# What a writer thread gets when there is nothing more to write.
_END = object()


def write_concurrently(
    items: Iterable[T],
    open_writer: Callable[[], AbstractContextManager[Callable[[T], R]]],
    *,
    writers: int,
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, write(item))`` for each item, written by up to ``writers`` threads.

    ``open_writer()`` is entered once in each writer thread and gives that thread's ``write``.
    At most one item per writer is in progress, so a slow database holds back the items' source
    instead of piling them up. The first error of a write is raised in the caller once the
    writes in progress have finished; the items not yet handed over are not written. With
    ``writers`` of 1, everything runs in the caller's thread, on its connection.
    """
    if writers <= 1:
        with open_writer() as write:
            for item in items:
                yield item, write(item)
        return

    tasks: queue.SimpleQueue = queue.SimpleQueue()
    results: queue.SimpleQueue = queue.SimpleQueue()
    language = translation.get_language()
    threads: list[threading.Thread] = []

    def work() -> None:
        try:
            with translation.override(language), open_writer() as write:
                while (item := tasks.get()) is not _END:
                    try:
                        results.put((item, write(item), None))
                    except BaseException as exc:  # re-raised in the caller
                        results.put((item, None, exc))
        except BaseException as exc:  # opening or closing the writer failed
            results.put((None, None, exc))
        finally:
            connections.close_all()  # this thread's own connections

    def collect(*, block: bool) -> tuple[T, R] | None:
        try:
            item, result, error = results.get(block=block)
        except queue.Empty:
            return None
        if error is not None:
            raise error
        return item, result

    in_progress = 0
    try:
        for item in items:
            while in_progress and (done := collect(block=in_progress == writers)) is not None:
                yield done  # finished writes are counted as soon as they are known
                in_progress -= 1
            if len(threads) == in_progress:  # started lazily: a short run needs only one
                thread = threading.Thread(target=work, name=f"writer-{len(threads) + 1}")
                thread.start()
                threads.append(thread)
            tasks.put(item)
            in_progress += 1
        while in_progress:
            yield collect(block=True)
            in_progress -= 1
    finally:
        for _thread in threads:
            tasks.put(_END)
        for thread in threads:
            thread.join()
