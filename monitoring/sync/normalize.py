"""One Kerio call-history record → the fields of a Call.

Defensive by design: numbers are accepted as JSON numbers, numeric strings or float-looking
strings (nothing settles which a box sends), nulls and missing optional keys (names, types, ID)
become empty values, unknown STATUS codes become "unknown" with the code kept, and the record
itself is stored exactly as received (but for NUL characters, which no PostgreSQL column holds:
see ``storable``). TIMESTAMP is read in the PBX's clock (``timestamps_timezone``). A record that
cannot be understood (a field the product cannot do without missing or renamed, no usable
TIMESTAMP, a field of the wrong type) raises ``Rejected`` with the reason, so the sync can keep
it aside instead of losing it.
"""

import datetime as dt
import functools
import hashlib
import json
import math

import orjson

from monitoring.directory import Directory
from monitoring.models import KERIO_STATUS, Call, CallStatus, Direction
from monitoring.numbers import national_number, normalize_number
from providers.kerio.clock import pbx_instant
from providers.kerio.values import as_whole
from providers.messages import message

# Plausible call start times: 2000-01-01 .. 2100-01-01 (anything else is not epoch seconds).
EARLIEST_TIMESTAMP = 946_684_800
LATEST_TIMESTAMP = 4_102_444_800
MAX_SECONDS = 2**31 - 1

_MAX_LENGTH = {
    name: Call._meta.get_field(name).max_length
    for name in ("from_number", "from_name", "to_number", "to_name", "extension")
}


# Fields without which a record says nothing usable: when one is missing (or renamed by a box
# that differs), the record is rejected with the field named, rather than stored with a guess.
INDISPENSABLE = ("TIMESTAMP", "FROM_NUM", "TO_NUM", "CALL_DURATION", "ANSWERED_DURATION", "STATUS")


class Rejected(ValueError):
    """The record cannot be understood; ``reason`` says why (a stored message, see
    providers.messages: ``Rejected("record.negative", field="CALL_DURATION")``), ``code`` and
    ``params`` are its code and parameters."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params
        self.reason = message(code, **params)


def _require_fields(record: dict) -> None:
    present = {key.casefold() for key in record if isinstance(key, str)}
    for name in INDISPENSABLE:
        if name not in record and name.casefold() not in present:
            raise Rejected("record.missing_field", field=name)


def storable(value):
    """``value`` (a decoded JSON document) with every U+0000 replaced by U+FFFD.

    PostgreSQL can store no NUL character in a text or JSON column; one in a record would fail
    the whole batch it is written in, and so every later run. The record is otherwise kept
    exactly as received (its key is computed from the original).
    """
    return _without_nul(value) if _has_nul(value) else value


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


_MISSING = object()
_NUMBER_TYPES = (int, float)
_TEXT_TYPES = (str, int, float)
_NOT_AN_ID_TYPES = (bool, dict, list)


def _get(record: dict, name: str):
    """A field by its name; Kerio writes names in capitals, but tolerate any case."""
    value = record.get(name, _MISSING)
    if value is not _MISSING:
        return value
    key = _keys_by_folded_name(tuple(record)).get(name.casefold(), _MISSING)
    return None if key is _MISSING else record[key]


@functools.lru_cache(maxsize=256)
def _keys_by_folded_name(keys: tuple) -> dict:
    """The first of ``keys`` for each case-folded name. A PBX sends its records with the same
    fields, so this is worked out once per shape of record, not once per missing field."""
    names: dict = {}
    for key in keys:
        if isinstance(key, str):
            names.setdefault(key.casefold(), key)
    return names


def _is_number(value) -> bool:
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool)


def sort_second(record) -> int | None:
    """The whole second the PBX sorts this record by (in the PBX's own clock), when its
    TIMESTAMP is a number, as a JSON number or a numeric string.

    Records whose TIMESTAMP is other text or missing cannot be placed in the PBX's time order;
    the sync handles them apart.
    """
    if not isinstance(record, dict):
        return None
    value = _get(record, "TIMESTAMP")
    if type(value) is int:  # the common case; bool, an int subclass, is not a time
        return value
    if type(value) is float and math.isfinite(value):
        return math.floor(value)
    if type(value) is str:
        return as_whole(value)
    return None


def _timestamp(record: dict) -> int:
    value = _get(record, "TIMESTAMP")
    if type(value) is int and EARLIEST_TIMESTAMP <= value < LATEST_TIMESTAMP:
        return value  # the common case, ahead of the checks
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise Rejected("record.timestamp_not_number") from None
    if value is None:
        raise Rejected("record.no_timestamp")
    if not _is_number(value) or not math.isfinite(value):
        raise Rejected("record.timestamp_not_number")
    if not EARLIEST_TIMESTAMP <= value < LATEST_TIMESTAMP:
        raise Rejected("record.timestamp_implausible")
    return math.floor(value)


def _seconds(record: dict, name: str) -> int:
    value = _get(record, name)
    if type(value) is int and 0 <= value <= MAX_SECONDS:
        return value  # the common case, ahead of the checks
    if value is None or value == "":
        return 0
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise Rejected("record.not_number", field=name) from None
    if not _is_number(value) or not math.isfinite(value):
        raise Rejected("record.not_number", field=name)
    if value < 0:
        raise Rejected("record.negative", field=name)
    if value > MAX_SECONDS:
        raise Rejected("record.too_large", field=name)
    return int(value)


def _text(record: dict, name: str, max_length: int) -> str:
    value = _get(record, name)
    if type(value) is str:  # the common case, ahead of the checks
        if "\x00" in value:
            value = value.replace("\x00", "")
        return value.strip()[:max_length]
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, _TEXT_TYPES):
        raise Rejected("record.not_text", field=name)
    return str(value).replace("\x00", "").strip()[:max_length]


def _status(record: dict) -> tuple[str, int | None]:
    value = _get(record, "STATUS")
    if type(value) is int and -(2**31) <= value < 2**31:  # the common case
        return KERIO_STATUS.get(value, CallStatus.UNKNOWN), value
    code = None
    if _is_number(value) and not isinstance(value, float):
        code = value
    elif isinstance(value, float) and value.is_integer():
        code = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        code = int(value.strip())
    if code is not None and not -(2**31) <= code < 2**31:
        code = None
    return KERIO_STATUS.get(code, CallStatus.UNKNOWN), code


def classify(from_number: str, to_number: str, directory: Directory) -> tuple[str, str, str]:
    """(direction, extension, external party's NSN) from the normalized numbers.

    Both internal: internal. From internal to outside: outbound. From outside: inbound.
    """
    from_internal = directory.is_internal(from_number)
    to_internal = directory.is_internal(to_number)
    if from_internal and to_internal:
        return Direction.INTERNAL, from_number, ""
    if from_internal:
        if not to_number:
            return Direction.UNKNOWN, from_number, ""
        return Direction.OUTBOUND, from_number, national_number(to_number)
    if not from_number and not to_number:
        return Direction.UNKNOWN, "", ""
    return Direction.INBOUND, to_number if to_internal else "", national_number(from_number)


# Where a record may name the company number an inbound call dialled. No public sample shows one:
# "DID" is the usual name and "DNID" Asterisk's (Kerio Operator is built on Asterisk).
LINE_FIELDS = ("DID", "DNID")


def dialled_line(record: dict, direction: str, to_normalized: str, extension: str) -> str:
    """The company line an inbound call dialled, normalized; "" when the record does not tell.

    A field of ``LINE_FIELDS`` wins; otherwise the called number when it is not one of ours
    (the box wrote the dialled number rather than the extension that took the call). A field of
    an unexpected type is ignored: the line is a guess, never a reason to reject a call."""
    if direction != Direction.INBOUND:
        return ""
    for name in LINE_FIELDS:
        value = _get(record, name)
        if isinstance(value, int | str) and not isinstance(value, bool):
            line = normalize_number(value)[:32]
            if line:
                return line
    return to_normalized if to_normalized and not extension else ""


def _started_at(epoch: int, zone_name: str | None) -> dt.datetime:
    if not zone_name or zone_name == "UTC":
        return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    return pbx_instant(epoch, zone_name)


def normalize_record(record, directory: Directory, zone_name: str | None = None) -> dict:
    """The Call fields of one history record (all but ``pbx`` and ``key``); raises Rejected.

    ``zone_name`` is the PBX's "time zone of its timestamps" (None or "UTC": true epochs)."""
    if not isinstance(record, dict):
        raise Rejected("record.not_object")
    _require_fields(record)
    started = _timestamp(record)
    total = _seconds(record, "CALL_DURATION")
    talk = _seconds(record, "ANSWERED_DURATION")
    from_number = _text(record, "FROM_NUM", _MAX_LENGTH["from_number"])
    to_number = _text(record, "TO_NUM", _MAX_LENGTH["to_number"])
    from_normalized = normalize_number(from_number)[:32]
    to_normalized = normalize_number(to_number)[:32]
    direction, extension, external = classify(from_normalized, to_normalized, directory)
    status, code = _status(record)
    return {
        "started_at": _started_at(started, zone_name),
        "direction": direction,
        "from_number": from_number,
        "from_number_normalized": from_normalized,
        "from_name": _text(record, "FROM_NAME", _MAX_LENGTH["from_name"]),
        "to_number": to_number,
        "to_number_normalized": to_normalized,
        "to_name": _text(record, "TO_NAME", _MAX_LENGTH["to_name"]),
        "extension": extension[: _MAX_LENGTH["extension"]],
        "external_number": external[:32],
        "line": dialled_line(record, direction, to_normalized, extension),
        "status": status,
        "status_code": code,
        "total_seconds": total,
        "talk_seconds": talk,
        "wait_seconds": max(total - talk, 0),
        # Exactly as received; the store makes it storable (see ``storable``).
        "raw": record,
    }


def content_digest(record) -> str:
    """A fingerprint of everything in the record (keys sorted), as received."""
    return hashlib.sha256(canonical_json(record)).hexdigest()[:40]


# Values orjson writes exactly as the standard library does (floats may differ in form).
_EXACT_TYPES = frozenset({str, int, bool, type(None)})


def canonical_json(record) -> bytes:
    """The record as compact JSON with sorted keys, in UTF-8: what its fingerprint is made of.

    Stored keys are fingerprints, so this text must never change. It is the standard library's
    (``sort_keys``, no spaces, no ASCII escapes); orjson writes the very same bytes for an object
    of text, integers, booleans and nulls, four times faster, and takes that common case. Any
    other record, and an integer beyond 64 bits, which orjson refuses, go to the standard library.
    """
    if type(record) is dict and _EXACT_TYPES.issuperset(map(type, record.values())):
        try:
            return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass
    text = json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return text.encode()


def record_id(record) -> str | None:
    """Kerio's own ID of the record, when it has one."""
    if not isinstance(record, dict):
        return None
    value = _get(record, "ID")
    if value is None or isinstance(value, _NOT_AN_ID_TYPES) or str(value).strip() == "":
        return None
    return str(value).strip()


def record_key(record, occurrence: int, digest: str | None = None, ident=_MISSING) -> str:
    """The Call key: ``id:<ID>``, else the content fingerprint and the record's occurrence
    number (1, 2, ...) among identical records of the same second. A caller that has already
    fingerprinted the record or read its ID passes them (`digest`, `ident`) so they are not
    computed twice."""
    if ident is _MISSING:
        ident = record_id(record)
    if ident is not None:
        if len(ident) > 70 or "\x00" in ident:  # too long for the column, or unstorable
            return "id#" + hashlib.sha256(ident.encode()).hexdigest()[:40]
        return f"id:{ident}"
    return f"{digest or content_digest(record)}:{occurrence}"
