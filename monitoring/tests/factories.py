"""What the monitoring tests build: PBX connections, calls and simulator records, and the
Calls page's query for a day.

`make_call` builds any call (an answered inbound call to extension 101 on DAY at noon unless told
otherwise); `described_call` builds one from the short descriptions the dashboard's tests use.
"""

import datetime as dt
import itertools
import json
from collections import Counter
from zoneinfo import ZoneInfo

from django.utils import timezone

from monitoring.filters import CallFilterForm, filter_calls
from monitoring.models import Call, CallStatus, Direction, LiveSnapshot
from monitoring.periods import day_start, local_today
from providers.tests.factories import connect, make_pbx

__all__ = [
    "DAY",
    "TASHKENT",
    "assert_exact",
    "call_record",
    "canonical",
    "connect",
    "day_query",
    "described_call",
    "history",
    "live_snapshot",
    "local",
    "make_call",
    "make_pbx",
    "matching",
    "recorded_call",
    "stored",
]

TASHKENT = ZoneInfo("Asia/Tashkent")
DAY = dt.date(2026, 3, 10)
_keys = itertools.count(1)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of `day` on Tashkent's clock."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TASHKENT)


def make_call(pbx, started_at=None, **fields) -> Call:
    """A call on `pbx`; by default an answered inbound call to extension 101 on DAY at noon."""
    values = {
        "key": f"k{next(_keys)}",
        "started_at": started_at or local(DAY, 12),
        "direction": Direction.INBOUND,
        "from_number": "+998901234567",
        "from_number_normalized": "+998901234567",
        "to_number": "101",
        "to_number_normalized": "101",
        "extension": "101",
        "external_number": "901234567",
        "status": CallStatus.ANSWERED,
        "status_code": 4,
        "total_seconds": 60,
        "talk_seconds": 50,
        "wait_seconds": 10,
        "raw": {"FROM_NUM": "+998901234567", "TO_NUM": "101"},
    }
    values.update(fields)
    return Call.objects.create(pbx=pbx, **values)


def described_call(
    pbx, started_at, direction, status, total, talk, number="", extension="", **fields
) -> Call:
    """A call as the dashboard's tests describe one: the external `number` is the caller of an
    inbound call and the callee of any other, `extension` the other party; the wait is what of
    `total` was not talk."""
    values = {
        "direction": direction,
        "status": status,
        "status_code": None,
        "total_seconds": total,
        "talk_seconds": talk,
        "wait_seconds": total - talk,
        "external_number": number,
        "extension": extension,
        "from_number": number if direction == "inbound" else extension,
        "from_number_normalized": "",
        "to_number": extension if direction == "inbound" else number,
        "to_number_normalized": "",
        "raw": {},
    }
    return make_call(pbx, started_at, **{**values, **fields})


def live_snapshot(pbx, age=dt.timedelta(seconds=1), stale=False, error="") -> LiveSnapshot:
    """`pbx`'s live snapshot taken `age` ago (add its calls with LiveCall.objects.create)."""
    return LiveSnapshot.objects.create(
        pbx=pbx, taken_at=timezone.now() - age, is_stale=stale, error=error
    )


def recorded_call(sim, pbx, recording=None, **fields) -> Call:
    """A call whose parties and answer time are those of a recording on the simulator."""
    recording = recording or sim.recordings()[0]
    wait = 7
    started = dt.datetime.fromtimestamp(recording["STARTED"] - wait, dt.UTC)
    values = {
        "from_number": recording["CALLER_ID"],
        "from_number_normalized": recording["CALLER_ID"],
        "to_number": recording["EXTENSION"],
        "to_number_normalized": recording["EXTENSION"],
        "extension": recording["EXTENSION"],
        "wait_seconds": wait,
        "talk_seconds": recording["DURATION"],
        "total_seconds": recording["DURATION"] + wait,
    }
    return make_call(pbx, started, **{**values, **fields})


def day_query(**params) -> dict:
    """Query parameters for DAY (a custom period) plus `params`."""
    return {"period": "custom", "start": DAY.isoformat(), "end": DAY.isoformat(), **params}


def matching(params: dict) -> list[int]:
    """The ids of the calls the Calls page's filters select for `params`."""
    form = CallFilterForm(params)
    assert form.is_valid(), (form.errors, form.period_form.errors)
    return list(filter_calls(form.filters).values_list("pk", flat=True))


# -- The simulator's records ----------------------------------------------------------------------


def canonical(record) -> str:
    """A history record as one comparable string."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def call_record(timestamp, from_num="+998901234567", to_num="101", **fields) -> dict:
    """A CallHistory record as Kerio sends it: a 30-second call answered for 20."""
    return {
        "TIMESTAMP": int(timestamp),
        "FROM_NUM": from_num,
        "FROM_NAME": "",
        "TO_NUM": to_num,
        "TO_NAME": "",
        "CALL_DURATION": 30,
        "ANSWERED_DURATION": 20,
        "STATUS": 4,
        "FROM_TYPE": 2,
        "TO_TYPE": 1,
        **fields,
    }


def stored(pbx) -> Counter:
    """The stored calls' raw records as a multiset."""
    return Counter(
        canonical(raw) for raw in Call.objects.filter(pbx=pbx).values_list("raw", flat=True)
    )


def history(simulator, *, without=()) -> Counter:
    """The simulator's full history as a multiset, minus the records listed in ``without``."""
    expected = Counter(canonical(record) for record in simulator.history_snapshot())
    expected.subtract(Counter(canonical(record) for record in without))
    return +expected


def assert_exact(pbx, simulator, *, without=()):
    """The stored calls are the simulator's history: nothing missing, nothing extra."""
    expected, actual = history(simulator, without=without), stored(pbx)
    missing, extra = expected - actual, actual - expected
    assert not missing and not extra, (
        f"missing {sum(missing.values())}, extra {sum(extra.values())}"
    )


def today_minus(minutes: float) -> dt.datetime:
    """`minutes` before now, on today's local date, for calls the pages show under "today": in
    the first hour after midnight, before 01:00 instead (a call from before midnight would be
    yesterday's, and the test would depend on the hour it runs at)."""
    first_hour = day_start(local_today()) + dt.timedelta(hours=1)
    return max(timezone.now(), first_hour) - dt.timedelta(minutes=minutes)
