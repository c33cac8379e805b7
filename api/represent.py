"""How the API writes things: times in UTC with their offset (and the Tashkent clock beside them
where a person reads the day), phone numbers as strings, states and statuses as codes."""

from datetime import UTC, datetime

from django.utils import timezone

from monitoring.periods import local_zone

# The columns of a call the API reads (never `raw`, Kerio's own record).
CALL_COLUMNS = (
    "id",
    "pbx_id",
    "pbx__name",
    "started_at",
    "direction",
    "status",
    "status_code",
    "from_number",
    "from_name",
    "to_number",
    "to_name",
    "extension",
    "external_number",
    "total_seconds",
    "talk_seconds",
    "wait_seconds",
)
_CALL_TEXTS = ("from_number", "from_name", "to_number", "to_name", "extension", "external_number")


def utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def local(moment: datetime | None) -> str | None:
    return timezone.localtime(moment, local_zone()).isoformat() if moment is not None else None


def times(name: str, moment: datetime | None) -> dict:
    """`name` in UTC and `name_local` on the local clock."""
    return {name: utc(moment), f"{name}_local": local(moment)}


def pbx(pk: int, name: str) -> dict:
    return {"id": pk, "name": name}


def call(row: dict) -> dict:
    """A call from `CALL_COLUMNS` values."""
    return {
        "id": row["id"],
        "pbx": pbx(row["pbx_id"], row["pbx__name"]),
        **times("started_at", row["started_at"]),
        "direction": row["direction"],
        "status": row["status"],
        "status_code": row["status_code"],
        **{name: row[name] for name in _CALL_TEXTS},
        "total_seconds": row["total_seconds"],
        "talk_seconds": row["talk_seconds"],
        "wait_seconds": row["wait_seconds"],
    }


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def callback(item, waited: int | None) -> dict:
    """A callback (with its PBX, owner and closer loaded) and how long it has waited."""
    return {
        "id": item.pk,
        "number": item.number,
        "name": item.name,
        "pbx": pbx(item.pbx_id, item.pbx.name),
        "state": item.state,
        "resolution": item.resolution,
        **times("first_missed_at", item.first_missed_at),
        **times("last_missed_at", item.last_missed_at),
        "attempts": item.attempts,
        "out_of_hours": item.out_of_hours,
        **times("clock_starts_at", item.clock_starts_at),
        "waited_seconds": waited,
        "owner": _username(item.owner),
        **times("claimed_at", item.claimed_at),
        "tries": item.tries,
        **times("last_try_at", item.last_try_at),
        **times("closed_at", item.closed_at),
        "closed_by": _username(item.closed_by),
        "closed_by_extension": item.closed_by_extension,
    }


def rounded(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(float(value), places)


def live_call(item, elapsed: int) -> dict:
    return {
        "from_number": item.from_number,
        "from_name": item.from_name,
        "to_number": item.to_number,
        "to_name": item.to_name,
        "extension": item.extension,
        "direction": item.direction,
        "state": item.state_key,
        "kerio_state": item.state,
        "status_code": item.status_code,
        **times("started_at", item.started_at),
        "total_seconds": item.total_seconds + elapsed,
        "talk_seconds": item.talk_seconds,
    }
