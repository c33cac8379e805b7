"""What a real PBX does to a reader, each hazard alone and all together: the stored calls equal
the PBX's history as a multiset, nothing missing, nothing extra, and a rerun changes nothing."""

import threading
from collections import Counter

import pytest

from monitoring.models import Call, RejectedRecord, SyncRun
from monitoring.sync import sync_pbx, writer
from monitoring.tests.factories import assert_exact, call_record, canonical, connect, stored
from providers.kerio.simulator.query import run_query

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_retries")]

NEWEST_FIRST = [{"columnName": "TIMESTAMP", "direction": "Desc"}]


def at(state, offset: int) -> dict | None:
    """The record at ``offset`` of the newest-first history, as the PBX would page it."""
    page, _total = run_query(state.history, {"orderBy": NEWEST_FIRST, "start": offset, "limit": 1})
    return page[0] if page else None


class Hazards:
    """Hazards to play on a simulator; each may hook the history requests."""

    def __init__(self, simulator):
        self.simulator = simulator
        self.hooks = []
        self.malformed: list = []
        self.requests = 0
        simulator.on_history_request = self._on_request

    def _on_request(self, state, query):
        self.requests += 1
        for hook in self.hooks:
            hook(state, query, self.requests)

    def stop(self):
        self.simulator.on_history_request = None

    def twins(self):
        """Exact twins and triplets at the top, on page boundaries and at the bottom."""
        newest_first = sorted(self.simulator.history_snapshot(), key=lambda r: -r["TIMESTAMP"])
        picks = [0, 6, 7, 9, 10, 13, 14, 19, 20, 21, len(newest_first) - 1]
        self.simulator.add_history(
            [newest_first[i] for i in picks] + [newest_first[i] for i in picks[::3]]
        )

    def malformed_records(self):
        """Garbage the PBX might send: rejected with a reason, the rest stored."""
        self.malformed += [
            self.simulator.add_malformed(),
            self.simulator.add_malformed({"TIMESTAMP": None, "FROM_NUM": "101"}),
            self.simulator.add_history([call_record(1_767_100_000, FROM_NUM={"n": 1})])[0],
            self.simulator.add_history([call_record(1_767_100_000, CALL_DURATION="long")])[0],
        ]

    def session_expiry(self):
        def expire(state, query, n):
            if n % 4 == 0:
                state.expire_sessions()

        self.hooks.append(expire)

    def server_errors(self):
        faults = self.simulator.faults

        def fail(state, query, n):
            if n == 3:
                faults.fail_next(2, "http500")
            elif n == 6:
                faults.fail_method("CallHistory.get", 1, "reset")
            elif n == 8:
                faults.fail_method("CallHistory.get", 1, "bad_json")
            elif n == 10:
                faults.fail_method("CallHistory.get", 1, "timeout")

        self.hooks.append(fail)

    def shifts(self):
        """New calls arrive while the sync pages: at the top, and twins of the records right at
        the page boundary (what a late call stamped with its start does to the offsets)."""

        def insert(state, query, n):
            if n > 25:
                return
            start = int(query.get("start") or 0)
            news = [call_record(1_767_225_600 + n, "+998977777777")]
            for offset in (start - 1, start, start + 1):
                record = at(state, max(offset, 0))
                if record is not None and isinstance(record.get("TIMESTAMP"), int):
                    news.append(dict(record))
            state.add_history(news, recordings=False)

        self.hooks.append(insert)

    def small_page_cap(self):
        self.simulator.page_cap = 7


HAZARDS = [
    "twins",
    "malformed_records",
    "session_expiry",
    "server_errors",
    "shifts",
    "small_page_cap",
]


@pytest.mark.parametrize("names", [[name] for name in HAZARDS] + [HAZARDS], ids=[*HAZARDS, "all"])
def test_the_stored_calls_equal_the_history_whatever_the_pbx_does(
    make_kerio_simulator, settings, names
):
    play_hazards_and_check(make_kerio_simulator, settings, names)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the writers' connections see only what is committed
def test_pages_written_over_several_connections_at_once_are_as_exact(
    make_kerio_simulator, settings, monkeypatch
):
    settings.SYNC_WRITERS = 3
    threads = set()

    class RecordingWriter(writer.CallWriter):
        def write(self, page, now):
            threads.add(threading.current_thread().name)
            return super().write(page, now)

    monkeypatch.setattr(writer, "CallWriter", RecordingWriter)

    play_hazards_and_check(make_kerio_simulator, settings, HAZARDS)

    assert len(threads) > 1, threads
    assert threading.current_thread().name not in threads


def play_hazards_and_check(make_kerio_simulator, settings, names):
    settings.SYNC_PAGE_SIZE = 10
    simulator = make_kerio_simulator(history_size=80, fault_delay=1.5)
    pbx = connect(simulator, timeout_seconds=1)
    hazards = Hazards(simulator)
    for name in names:
        getattr(hazards, name)()
    before = Counter(canonical(r) for r in simulator.history_snapshot())
    before.subtract(Counter(canonical(r) for r in hazards.malformed))

    first = sync_pbx(pbx)
    assert first.created == Call.objects.filter(pbx=pbx).count(), "each new call counted once"

    # Everything there when the run began is stored, nothing is stored twice or made up.
    assert not +(before - stored(pbx)), "records missing"
    everything = Counter(canonical(r) for r in simulator.history_snapshot())
    assert not +(stored(pbx) - everything), "records stored too often"
    assert first.rejected == len(hazards.malformed)
    rejected = RejectedRecord.objects.filter(run=first)
    assert Counter(canonical(r.raw) for r in rejected) == Counter(
        canonical(r) for r in hazards.malformed
    )
    assert all(r.reason for r in rejected)

    hazards.stop()
    sync_pbx(pbx, full=True)
    assert_exact(pbx, simulator, without=hazards.malformed)

    rerun = sync_pbx(pbx, full=True)
    assert (rerun.created, rerun.updated, rerun.outcome) == (0, 0, SyncRun.Outcome.SUCCESS)
    assert_exact(pbx, simulator, without=hazards.malformed)


def test_a_second_bigger_than_a_page_is_counted_exactly_even_while_it_grows(
    make_kerio_simulator, settings
):
    settings.SYNC_PAGE_SIZE = 10
    simulator = make_kerio_simulator(history_size=30)
    simulator.page_cap = 7
    crowd = call_record(1_767_150_000, "+998935550000")
    simulator.add_history([crowd] * 12 + [call_record(1_767_150_000, "+998935550001")] * 3)
    pbx = connect(simulator)
    grown = []

    def grow(state, query):
        # While the crowded second is being joined across pages, one more identical call arrives.
        if len(grown) < 2 and int(query.get("start") or 0) > 0:
            record = at(state, int(query["start"]))
            if record is not None and record.get("TIMESTAMP") == crowd["TIMESTAMP"]:
                grown.append(state.add_history([crowd], recordings=False))

    simulator.on_history_request = grow

    sync_pbx(pbx)
    simulator.on_history_request = None

    assert len(grown) == 2
    assert_exact(pbx, simulator)
    assert Call.objects.filter(raw=crowd).count() == 14
