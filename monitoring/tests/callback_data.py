"""Calls for the callbacks' tests, described in local (Asia/Tashkent) time, and a snapshot of the
derived callbacks to compare."""

from datetime import date, datetime, time
from itertools import count
from zoneinfo import ZoneInfo

from monitoring.callbacks.derive import FIELDS
from monitoring.models import Call, Callback
from monitoring.numbers import national_number

TASHKENT = ZoneInfo("Asia/Tashkent")
# A Wednesday: a working day, 09:00 to 18:00.
WEDNESDAY = date(2026, 11, 11)
_keys = count()


def at(clock: str, day: date = WEDNESDAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=TASHKENT)


def call(pbx, when, direction, status, number, extension="101", name="", talk=30):
    """A stored call with `number` written as the PBX sent it (matched by its national number)."""
    answered = status == "answered"
    return Call.objects.create(
        pbx=pbx,
        key=f"cb-{next(_keys)}",
        started_at=when,
        direction=direction,
        status=status,
        from_number=number if direction == "inbound" else extension,
        from_name=name,
        to_number=extension if direction == "inbound" else number,
        extension=extension,
        external_number=national_number(number),
        total_seconds=talk + 10 if answered else 20,
        talk_seconds=talk if answered else 0,
        wait_seconds=10 if answered else 20,
        raw={},
    )


def missed(pbx, when, number, **extra):
    return call(pbx, when, "inbound", "no_answer", number, **extra)


def snapshot() -> list[tuple]:
    """Every callback's derived fields, in a stable order."""
    rows = Callback.objects.order_by("first_call_id").values_list(*_COLUMNS)
    return [tuple(row) for row in rows]


_COLUMNS = tuple(name for name in FIELDS)
