"""write_concurrently: every item written once by a few threads, each result paired with its item,
at most one item per writer in progress, errors raised in the caller, no thread left behind."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.utils import translation

from monitoring.sync.concurrent_writes import write_concurrently


class Writers:
    """``open_writer`` for the tests: records who wrote what, and when writers open and close."""

    def __init__(self, write=None):
        self.lock = threading.Lock()
        self.written: list[tuple[str, object]] = []
        self.opened = self.closed = 0
        self.busy = self.most_busy = 0
        self._write = write or (lambda item: item * 10)

    @contextmanager
    def open(self):
        with self.lock:
            self.opened += 1
        try:
            yield self.write
        finally:
            with self.lock:
                self.closed += 1

    def write(self, item):
        with self.lock:
            self.busy += 1
            self.most_busy = max(self.most_busy, self.busy)
        try:
            result = self._write(item)
            with self.lock:
                self.written.append((threading.current_thread().name, item))
            return result
        finally:
            with self.lock:
                self.busy -= 1


def slowly(item):
    time.sleep(0.01)
    return item * 10


def test_every_item_is_written_once_and_given_back_with_its_result():
    writers = Writers(slowly)
    results = list(write_concurrently(range(40), writers.open, writers=3))
    assert sorted(results) == [(item, item * 10) for item in range(40)]
    assert sorted(item for _thread, item in writers.written) == list(range(40))


def counted(items, taken: list):
    """``items``, noting in ``taken`` each one as it is taken."""
    for item in items:
        taken.append(item)
        yield item


def test_the_items_are_shared_among_the_writer_threads_and_none_runs_in_the_caller():
    writers = Writers(slowly)
    list(write_concurrently(range(40), writers.open, writers=3))
    threads = {thread for thread, _item in writers.written}
    assert len(threads) == 3
    assert threading.current_thread().name not in threads
    assert writers.opened == writers.closed == 3


def test_no_more_items_are_taken_from_the_source_than_the_writers_have_in_progress():
    writers = Writers(slowly)
    taken = []
    ahead = []
    source = counted(range(40), taken)
    for received, _result in enumerate(write_concurrently(source, writers.open, writers=2), 1):
        ahead.append(len(taken) - received)  # taken from the source, not yet given back
    assert max(ahead) <= 2  # one in progress per writer, or one per writer less and one in hand
    assert writers.most_busy == 2  # and both writers did work at once


def test_a_writer_thread_starts_only_when_the_others_are_busy():
    writers = Writers()  # writes at once

    def trickle():
        for item in range(5):
            while len(writers.written) < item:  # each item arrives after the last one is written
                time.sleep(0.001)
            time.sleep(0.02)
            yield item

    assert len(list(write_concurrently(trickle(), writers.open, writers=4))) == 5
    assert writers.opened == 1


def test_one_writer_writes_in_the_callers_thread():
    writers = Writers()
    assert list(write_concurrently([1, 2], writers.open, writers=1)) == [(1, 10), (2, 20)]
    assert {thread for thread, _item in writers.written} == {threading.current_thread().name}
    assert writers.opened == writers.closed == 1


def test_a_failed_write_is_raised_in_the_caller_and_stops_the_handing_over():
    def fail_on_three(item):
        if item == 3:
            raise ValueError("page 3 refused")
        time.sleep(0.01)
        return item

    writers = Writers(fail_on_three)
    handed = []
    with pytest.raises(ValueError, match="page 3 refused"):
        list(write_concurrently(counted(range(100), handed), writers.open, writers=2))
    assert len(handed) < 10
    assert writers.opened == writers.closed
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("writer-")]


def test_a_writer_that_cannot_open_is_an_error_in_the_caller():
    @contextmanager
    def broken():
        raise ConnectionError("database unreachable")
        yield  # pragma: no cover

    with pytest.raises(ConnectionError, match="database unreachable"):
        list(write_concurrently(range(3), broken, writers=2))


def test_a_caller_that_stops_early_leaves_no_thread_running():
    writers = Writers(slowly)
    results = write_concurrently(range(100), writers.open, writers=3)
    next(results)
    results.close()
    assert writers.opened == writers.closed
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("writer-")]
    assert len(writers.written) < 10


def test_the_writers_speak_the_callers_language():
    writers = Writers(lambda item: translation.get_language())
    with translation.override("ru"):
        languages = {result for _item, result in write_concurrently([1, 2, 3], writers.open,
                                                                    writers=2)}  # fmt: skip
    assert languages == {"ru"}
