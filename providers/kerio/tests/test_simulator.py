"""The simulator behaves like the Kerio Operator the client and the sync engine expect."""

import datetime as dt
import re
import time
from collections import Counter

import pytest
import requests

from providers.kerio import ApiError, KerioClient
from providers.kerio.simulator import KerioSimulator, SimulatorConfig
from providers.kerio.simulator.query import QueryError, run_query

TASHKENT = dt.timezone(dt.timedelta(hours=5))


def post(simulator, body, token=None, cookies=None):
    return requests.post(
        simulator.url + "/admin/api/jsonrpc/",
        data=body if isinstance(body, bytes) else None,
        json=None if isinstance(body, bytes) else body,
        headers={"X-Token": token} if token else {},
        cookies=cookies,
        verify=simulator.ca_file,
        timeout=5,
    )


def login(simulator):
    params = {"userName": "admin", "password": "demo-password", "application": {"name": "t"}}
    answer = post(
        simulator, {"jsonrpc": "2.0", "id": 1, "method": "Session.login", "params": params}
    )
    return answer.json()["result"]["token"], answer.cookies


def test_an_unknown_method_answers_32601_with_the_error_shape(kerio_simulator):
    answer = post(kerio_simulator, {"jsonrpc": "2.0", "id": 4, "method": "Foo.bar", "params": {}})

    assert answer.status_code == 200
    assert answer.json() == {
        "jsonrpc": "2.0",
        "id": 4,
        "error": {
            "code": -32601,
            "message": "Method not found.",
            "data": {"messageParameters": {"positionalParameters": []}},
        },
    }


def test_a_body_that_is_not_json_answers_32700(kerio_simulator):
    answer = post(kerio_simulator, b"{not json")

    assert answer.json()["error"]["code"] == -32700


def test_a_call_needs_both_the_token_and_the_session_cookie(kerio_simulator):
    token, cookies = login(kerio_simulator)
    call = {"jsonrpc": "2.0", "id": 2, "method": "Status.getCalls", "params": {}}

    assert post(kerio_simulator, call, token=token).json()["error"]["code"] == -32001
    assert post(kerio_simulator, call, cookies=cookies).json()["error"]["code"] == -32001
    assert "result" in post(kerio_simulator, call, token=token, cookies=cookies).json()


def test_a_session_expires_after_its_ttl_and_the_client_logs_in_again(make_kerio_simulator):
    simulator = make_kerio_simulator(session_ttl=0.2)

    with KerioClient(simulator.connection_settings()) as client:
        client.extensions()
        time.sleep(0.3)
        client.extensions()

    assert simulator.request_counts()["Session.login"] == 2


def test_a_history_page_is_capped_and_limit_minus_one_means_the_cap(kerio_simulator):
    kerio_simulator.page_cap = 30

    with KerioClient(kerio_simulator.connection_settings()) as client:
        unlimited = client.call_history_page(0, -1)
        too_big = client.call_history_page(0, 1000)
        small = client.call_history_page(190, 50)

    assert len(unlimited.records) == len(too_big.records) == 30
    assert unlimited.total_items == 200
    assert len(small.records) == 10


def test_history_is_sorted_by_the_asked_column_and_direction(kerio_simulator):
    with KerioClient(kerio_simulator.connection_settings()) as client:
        newest = client.call_history_page(0, 200).records
        oldest = client.call_history_page(0, 200, newest_first=False).records
        by_talk = client.call(
            "CallHistory.get",
            {"query": {"orderBy": [{"columnName": "ANSWERED_DURATION", "direction": "Asc"}]}},
        )["callHistory"]

    stamps = [r["TIMESTAMP"] for r in newest]
    assert stamps == sorted(stamps, reverse=True)
    assert [r["TIMESTAMP"] for r in oldest] == sorted(stamps)
    talks = [r["ANSWERED_DURATION"] for r in by_talk]
    assert talks == sorted(talks)


def test_conditions_filter_with_every_comparator_and_both_combinings():
    calls = [
        {"TO_NUM": "101", "STATUS": 4, "TIMESTAMP": 10, "FROM_NAME": "Азиз Рахимов"},
        {"TO_NUM": "102", "STATUS": 3, "TIMESTAMP": 20, "FROM_NAME": "Dilnoza"},
        {"TO_NUM": "101", "STATUS": 2, "TIMESTAMP": 30, "FROM_NAME": ""},
    ]

    def count(*conditions, combining="And"):
        query = {"conditions": list(conditions), "combining": combining}
        return run_query(calls, query)[1]

    def cond(field, comparator, value):
        return {"fieldName": field, "comparator": comparator, "value": value}

    assert count(cond("TO_NUM", "Eq", "101")) == 2
    assert count(cond("TO_NUM", "NotEq", "101")) == 1
    assert count(cond("TIMESTAMP", "LessThan", 20)) == 1
    assert count(cond("TIMESTAMP", "LessEq", 20)) == 2
    assert count(cond("TIMESTAMP", "GreaterThan", "20")) == 1
    assert count(cond("TIMESTAMP", "GreaterEq", 20)) == 2
    assert count(cond("FROM_NAME", "Like", "рахим")) == 1
    assert count(cond("SEARCH", "Like", "dilnoza")) == 1
    assert count(cond("TO_NUM", "Eq", "101"), cond("STATUS", "Eq", 4)) == 1
    assert count(cond("STATUS", "Eq", 4), cond("STATUS", "Eq", 3), combining="Or") == 2
    with pytest.raises(QueryError):
        count(cond("STATUS", "Regex", "4"))


def test_exact_twins_are_kept_as_two_records(kerio_simulator):
    twin = {"TIMESTAMP": 1_767_000_000, "FROM_NUM": "901234567", "TO_NUM": "101",
            "CALL_DURATION": 30, "ANSWERED_DURATION": 20, "STATUS": 4}  # fmt: skip
    kerio_simulator.add_history([twin, twin])

    with KerioClient(kerio_simulator.connection_settings()) as client:
        found = client.call_history_page(
            0, 10, conditions=[{"fieldName": "FROM_NUM", "comparator": "Eq", "value": "901234567"}]
        ).records

    assert found == [twin, twin]


def test_the_demo_history_already_holds_twins(kerio_simulator):
    counts = Counter(tuple(sorted(r.items())) for r in kerio_simulator.history_snapshot())

    assert max(counts.values()) >= 2


def test_records_have_no_id_unless_asked(make_kerio_simulator):
    plain = make_kerio_simulator().history_snapshot()
    with_ids = make_kerio_simulator(with_ids=True).history_snapshot()

    assert not any("ID" in r for r in plain)
    assert len({r["ID"] for r in with_ids}) == len(with_ids)


def test_an_ended_live_call_enters_history_stamped_with_its_start(kerio_simulator):
    clock = [1_800_000_000.0]
    kerio_simulator.state.clock = lambda: clock[0]
    live_id = kerio_simulator.start_call("+998901112233", "101", to_name="Dilnoza Karimova")
    clock[0] += 12  # rings for 12 s
    ringing = kerio_simulator.live_calls()
    kerio_simulator.answer_call(live_id)
    clock[0] += 40  # talks for 40 s

    with KerioClient(kerio_simulator.connection_settings()) as client:
        live = client.active_calls()
        record = kerio_simulator.end_call(live_id)
        newest = client.call_history_page(0, 1).records

    assert ringing[0]["ANSWERED_DURATION"] == 0 and ringing[0]["CALL_DURATION"] == 12
    assert live[0]["FROM"]["NUMBER"] == "+998901112233"
    assert live[0]["TO"] == {"NUMBER": "101", "NAME": "Dilnoza Karimova"}
    assert (live[0]["CALL_DURATION"], live[0]["ANSWERED_DURATION"]) == (52, 40)
    assert kerio_simulator.live_calls() == []
    assert newest == [record]
    assert record["TIMESTAMP"] == 1_800_000_000
    assert (record["STATUS"], record["CALL_DURATION"], record["ANSWERED_DURATION"]) == (4, 52, 40)


def test_a_long_call_ending_now_appears_in_the_past(kerio_simulator):
    clock = [1_800_000_000.0]
    kerio_simulator.state.clock = lambda: clock[0]
    live_id = kerio_simulator.start_call("102", "+998712000000", answered=True)
    clock[0] += 3000  # a 50-minute call

    record = kerio_simulator.end_call(live_id)

    assert record["TIMESTAMP"] == 1_800_000_000
    assert record["CALL_DURATION"] == record["ANSWERED_DURATION"] == 3000


def test_live_traffic_rings_connects_and_hangs_up(make_kerio_simulator):
    simulator = make_kerio_simulator(rate=600, time_scale=0.01, history_size=0)
    deadline = time.monotonic() + 5
    while len(simulator.history_snapshot()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)

    history = simulator.history_snapshot()
    assert len(history) >= 3
    assert all(r["TIMESTAMP"] <= time.time() for r in history)


def test_the_history_hook_runs_before_each_page_and_can_shift_offsets(kerio_simulator):
    seen = []
    newcomer = {"TIMESTAMP": 2_000_000_000, "FROM_NUM": "103", "TO_NUM": "104", "STATUS": 4}

    def hook(state, query):
        seen.append(query["start"])
        if len(seen) == 2:
            state.add_history([newcomer])

    kerio_simulator.on_history_request = hook
    with KerioClient(kerio_simulator.connection_settings()) as client:
        records = [r for page in client.iter_call_history(page_size=100) for r in page.records]

    # The newcomer sorts first, into a page already read: the rest shift by one, so the last
    # record of page one comes again on page two and the newcomer is never seen.
    assert seen == [0, 100, 200, 201]
    assert len(records) == 201
    assert records[99] == records[100]
    assert newcomer not in records


def test_a_malformed_record_is_served_as_it_is(kerio_simulator):
    kerio_simulator.add_malformed()

    with KerioClient(kerio_simulator.connection_settings()) as client:
        records = [r for page in client.iter_call_history() for r in page.records]

    assert {"TIMESTAMP": "abc"}.items() <= records[0].items()


def test_the_directory_lists_twenty_extensions_a_queue_and_an_ivr(kerio_simulator):
    with KerioClient(kerio_simulator.connection_settings()) as client:
        entries = client.extensions()

    lines = [e["TEL_NUM"] for e in entries if e["EXTENSION_TYPE_ID"] == 1]
    assert lines == [str(n) for n in range(101, 121)]
    assert {5, 6} <= {e["EXTENSION_TYPE_ID"] for e in entries}
    assert any(re.search("[\u0400-\u04ff]", e["DESCRIPTION"]) for e in entries)


def test_the_demo_world_looks_like_a_tashkent_call_center():
    history = KerioSimulator(history_size=3000, seed=5, now=1_767_225_600.0).history_snapshot()
    statuses = Counter(r["STATUS"] for r in history)
    local_hours = [dt.datetime.fromtimestamp(r["TIMESTAMP"], TASHKENT).hour for r in history]
    numbers = [r["FROM_NUM"] for r in history] + [r["TO_NUM"] for r in history]

    assert 0.6 < statuses[4] / len(history) < 0.8
    assert set(statuses) == {1, 2, 3, 4, 5, 6}
    assert sum(9 <= h < 18 for h in local_hours) / len(history) > 0.6
    assert any(n.startswith("+998") for n in numbers)
    assert any(re.fullmatch(r"998\d{9}", n) for n in numbers)
    assert any(re.fullmatch(r"(9[0-9]|71)\d{7}", n) for n in numbers)
    assert any(n in ("", "anonymous") for n in numbers)
    assert max(r["CALL_DURATION"] for r in history) > 1800
    assert all(r["TIMESTAMP"] + r["CALL_DURATION"] <= 1_767_225_600 for r in history)


def test_the_same_seed_gives_the_same_world():
    first = KerioSimulator(history_size=300, seed=9, now=1_767_225_600.0)
    second = KerioSimulator(history_size=300, seed=9, now=1_767_225_600.0)

    assert first.history_snapshot() == second.history_snapshot()


def test_an_unknown_recording_is_an_api_error(kerio_simulator):
    with pytest.raises(ApiError), KerioClient(kerio_simulator.connection_settings()) as client:
        client.download_recording("no-such-recording")


def test_unknown_fault_kinds_are_refused(kerio_simulator):
    with pytest.raises(ValueError):
        kerio_simulator.faults.fail_next(1, "meteor")


def test_the_config_and_the_overrides_cannot_be_mixed():
    with pytest.raises(TypeError):
        KerioSimulator(SimulatorConfig(), seed=3)


def test_the_demo_calls_back_missed_customers_soon_late_or_never():
    import random

    from providers.kerio.simulator import demo

    factory = demo.CallFactory(random.Random(5))
    missed = demo.CallPlan("901234567", "", demo.EXTERNAL, "800", "", demo.QUEUE, demo.NO_ANSWER,
                           30, 0)  # fmt: skip
    outcomes = [factory.callback_for(missed) for _ in range(400)]
    soon = [c for c in outcomes if c and c[0] < 15 * 60]
    late = [c for c in outcomes if c and c[0] >= 3600]
    assert soon and late and outcomes.count(None) > 50
    _delay, back = soon[0]
    assert (back.to_num, back.status, back.from_type) == ("901234567", demo.ANSWERED, demo.LINE)
    answered = demo.CallPlan("901234567", "", demo.EXTERNAL, "101", "", demo.LINE, demo.ANSWERED,
                             5, 60)  # fmt: skip
    assert factory.callback_for(answered) is None


def test_the_demo_history_holds_calls_back_after_missed_calls():
    import random

    from providers.kerio.simulator import demo

    records = demo.history(random.Random(3), 3000, 30, 1_780_000_000)
    assert len(records) == 3000
    missed_at = {}
    returned = 0
    for record in sorted(records, key=lambda r: r["TIMESTAMP"]):
        if record["FROM_TYPE"] == demo.EXTERNAL and record["STATUS"] in (demo.NO_ANSWER, demo.BUSY):
            missed_at.setdefault(record["FROM_NUM"].lstrip("+"), record["TIMESTAMP"])
        elif record["FROM_TYPE"] == demo.LINE and record["STATUS"] == demo.ANSWERED:
            returned += missed_at.pop(record["TO_NUM"], None) is not None
    assert returned > 100


# -- calls to the call queue and the IVR (queue_records) ---------------------------------------

QUEUE_WORLD = {"history_size": 1500, "seed": 3, "now": 1_767_225_600.0}


def to_number(history, number):
    return [r for r in history if r["TO_NUM"] == number]


def test_queue_calls_are_answered_after_a_wait_or_abandoned_after_up_to_ten_minutes():
    history = KerioSimulator(queue_records="call", **QUEUE_WORLD).history_snapshot()
    queue, menu = to_number(history, "800"), to_number(history, "700")
    waits = [r["CALL_DURATION"] - r["ANSWERED_DURATION"] for r in queue if r["STATUS"] == 3]

    assert {r["STATUS"] for r in queue} == {3, 4, 6}  # abandoned, answered, voicemail
    assert {r["STATUS"] for r in menu} == {3, 4}
    assert all(r["ANSWERED_DURATION"] == 0 for r in queue if r["STATUS"] == 3)
    # The abandoning callers waited anything from a few seconds to more than five minutes.
    assert min(waits) < 10 and max(waits) >= 300
    assert 0.6 < sum(r["STATUS"] == 4 for r in queue) / len(queue) < 0.8


def test_by_default_queue_calls_are_made_like_any_other():
    history = KerioSimulator(**QUEUE_WORLD).history_snapshot()

    assert {1, 2, 5} & {r["STATUS"] for r in to_number(history, "800")}
    assert history == KerioSimulator(queue_records="", **QUEUE_WORLD).history_snapshot()


def test_per_leg_the_queue_writes_one_record_per_agent_it_rang():
    per_call = KerioSimulator(queue_records="call", **QUEUE_WORLD).history_snapshot()
    per_leg = KerioSimulator(queue_records="legs", **QUEUE_WORLD).history_snapshot()
    legs = Counter()
    for record in to_number(per_leg, "800"):
        legs[(record["FROM_NUM"], record["TIMESTAMP"])] += 1

    def key(record):
        return sorted(record.items())

    # Every other record is the same; each queue call became its legs.
    others = [r for r in per_call if r["TO_NUM"] != "800"]
    assert sorted(map(key, others)) == sorted(key(r) for r in per_leg if r["TO_NUM"] != "800")
    assert len(legs) == len(to_number(per_call, "800"))
    for call in to_number(per_call, "800"):
        wait = call["CALL_DURATION"] - call["ANSWERED_DURATION"]
        mine = sorted(
            (r for r in to_number(per_leg, "800")
             if (r["FROM_NUM"], r["TIMESTAMP"]) == (call["FROM_NUM"], call["TIMESTAMP"])),
            key=lambda r: r["CALL_DURATION"],
        )  # fmt: skip
        # An agent rings 15 s; then the next one. The last leg ends the call as it ended.
        assert len(mine) == max(1, -(-wait // 15)), call
        assert mine[-1] == call
        assert [(r["STATUS"], r["CALL_DURATION"], r["ANSWERED_DURATION"]) for r in mine[:-1]] == [
            (3, 15 * n, 0) for n in range(1, len(mine))
        ]
    assert max(legs.values()) > 3


def test_a_live_queue_call_ends_as_its_legs(make_kerio_simulator):
    simulator = make_kerio_simulator(queue_records="legs", history_size=0)
    clock = [1_800_000_000.0]
    simulator.state.clock = lambda: clock[0]
    live_id = simulator.start_call("+998901112233", "800")
    clock[0] += 35  # two agents did not answer, the third did after 5 s
    simulator.answer_call(live_id)
    clock[0] += 60

    last = simulator.end_call(live_id)

    history = simulator.history_snapshot()
    assert [(r["STATUS"], r["CALL_DURATION"], r["ANSWERED_DURATION"]) for r in history] == [
        (3, 15, 0), (3, 30, 0), (4, 95, 60)
    ]  # fmt: skip
    assert last == history[-1]
    assert {(r["FROM_NUM"], r["TO_NUM"], r["TIMESTAMP"]) for r in history} == {
        ("+998901112233", "800", 1_800_000_000)
    }


def test_an_unknown_queue_shape_is_refused():
    with pytest.raises(ValueError, match="queue_records"):
        KerioSimulator(queue_records="per-agent", history_size=10)
