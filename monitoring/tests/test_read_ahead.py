"""read_ahead: a producer thread a few items ahead, in order, errors re-raised, stopped early."""

import threading

import pytest
from django.utils import translation

from monitoring.sync.read_ahead import read_ahead


def test_items_arrive_in_order_and_complete():
    assert list(read_ahead(lambda: (number for number in range(1000)), depth=2)) == list(
        range(1000)
    )


def test_the_producer_runs_in_another_thread():
    def source():
        yield threading.current_thread()

    (producer,) = read_ahead(source)
    assert producer is not threading.current_thread()


def test_the_producer_stays_at_most_depth_ahead():
    produced = []

    def source():
        for number in range(100):
            produced.append(number)
            yield number

    items = read_ahead(source, depth=3)
    assert next(items) == 0
    threading.Event().wait(0.3)  # let the producer run as far as it may
    # One handed over, three waiting in the queue, one in hand blocked on the full queue.
    assert len(produced) <= 1 + 3 + 1
    items.close()


def test_an_error_in_the_producer_is_raised_in_the_consumer_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise LookupError("the PBX went away")

    items = read_ahead(source)
    assert next(items) == 1
    assert next(items) == 2
    with pytest.raises(LookupError, match="the PBX went away"):
        next(items)


def test_stopping_early_stops_and_closes_the_producer():
    closed = threading.Event()

    def source():
        try:
            number = 0
            while True:
                yield number
                number += 1
        finally:
            closed.set()

    before = threading.active_count()
    items = read_ahead(source, depth=2)
    assert next(items) == 0
    items.close()
    assert closed.is_set()
    assert threading.active_count() == before


def test_the_producer_speaks_the_consumers_language():
    def source():
        yield translation.get_language()

    with translation.override("ru"):
        assert list(read_ahead(source)) == ["ru"]
