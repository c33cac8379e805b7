"""One Kerio record → Call fields: defensive about types, strict about what it cannot read."""

import datetime as dt
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring.directory import Directory
from monitoring.models import CallStatus, Direction
from monitoring.sync.normalize import (
    Rejected,
    canonical_json,
    classify,
    content_digest,
    normalize_record,
    record_key,
    sort_second,
)
from providers.messages import words

DIRECTORY = Directory.build(
    [
        {"TEL_NUM": "101", "DESCRIPTION": "Dilnoza", "EXTENSION_TYPE_ID": 1},
        {"TEL_NUM": "800", "DESCRIPTION": "Queue", "EXTENSION_TYPE_ID": 5},
        {"TEL_NUM": "7000", "DESCRIPTION": "IVR", "EXTENSION_TYPE_ID": 6},
        {"TEL_NUM": "9", "DESCRIPTION": "Outbound route", "EXTENSION_TYPE_ID": 3},
        "garbage",
    ],
    r"^2\d\d$",
)


def record(**fields):
    return {
        "TIMESTAMP": 1_767_225_600,
        "FROM_NUM": "+998901234567",
        "FROM_NAME": "Anvar",
        "TO_NUM": "101",
        "TO_NAME": "Dilnoza",
        "CALL_DURATION": 60,
        "ANSWERED_DURATION": 45,
        "STATUS": 4,
        **fields,
    }


def test_a_plain_inbound_call():
    fields = normalize_record(record(), DIRECTORY)
    assert fields["started_at"] == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert fields["direction"] == Direction.INBOUND
    assert (fields["extension"], fields["external_number"]) == ("101", "901234567")
    assert fields["from_number_normalized"] == "+998901234567"
    assert (fields["total_seconds"], fields["talk_seconds"], fields["wait_seconds"]) == (60, 45, 15)
    assert fields["status"] == CallStatus.ANSWERED and fields["status_code"] == 4


@pytest.mark.parametrize(
    ("from_num", "to_num", "direction", "extension", "external"),
    [
        ("+998901234567", "101", Direction.INBOUND, "101", "901234567"),
        ("901234567", "800", Direction.INBOUND, "800", "901234567"),
        ("", "7000", Direction.INBOUND, "7000", ""),
        ("anonymous", "101", Direction.INBOUND, "101", ""),
        ("101", "998901234567", Direction.OUTBOUND, "101", "901234567"),
        ("101", "800", Direction.INTERNAL, "101", ""),
        ("201", "101", Direction.INTERNAL, "201", ""),  # 201 by the fallback pattern
        ("101", "9", Direction.OUTBOUND, "101", "9"),  # an outbound route is not a party
        ("+998901234567", "+998711234567", Direction.INBOUND, "", "901234567"),
        ("101", "", Direction.UNKNOWN, "101", ""),
        ("", "", Direction.UNKNOWN, "", ""),
    ],
)
def test_direction_comes_from_the_extension_list_then_the_pattern(
    from_num, to_num, direction, extension, external
):
    fields = normalize_record(record(FROM_NUM=from_num, TO_NUM=to_num), DIRECTORY)
    assert (fields["direction"], fields["extension"], fields["external_number"]) == (
        direction,
        extension,
        external,
    )


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"TIMESTAMP": "1767225600"}, "started_at", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        ({"TIMESTAMP": 1_767_225_600.7}, "started_at", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        ({"CALL_DURATION": "90", "ANSWERED_DURATION": "30"}, "wait_seconds", 60),
        ({"CALL_DURATION": None}, "total_seconds", 0),
        ({"CALL_DURATION": 10, "ANSWERED_DURATION": 25}, "wait_seconds", 0),
        ({"ANSWERED_DURATION": ""}, "talk_seconds", 0),
        ({"STATUS": "3"}, "status", CallStatus.NO_ANSWER),
        ({"STATUS": 6}, "status", CallStatus.VOICEMAIL),
        ({"STATUS": 5}, "status", CallStatus.BARRED),
        ({"STATUS": 42}, "status", CallStatus.UNKNOWN),
        ({"STATUS": 42}, "status_code", 42),
        ({"STATUS": None}, "status_code", None),
        ({"STATUS": "Blacklisted"}, "status", CallStatus.UNKNOWN),
        ({"FROM_NUM": 901234567}, "from_number", "901234567"),
        ({"FROM_NAME": None}, "from_name", ""),
        ({"TO_NAME": "  Dilnoza  "}, "to_name", "Dilnoza"),
        ({"FROM_NAME": "x" * 400}, "from_name", "x" * 255),
    ],
)
def test_types_are_forgiven_where_the_meaning_is_clear(changes, field, value):
    assert normalize_record(record(**changes), DIRECTORY)[field] == value


def test_missing_optional_fields_are_empty_and_extra_fields_stay_in_raw():
    raw = {
        "TIMESTAMP": 1_767_225_600, "FROM_NUM": None, "TO_NUM": "", "CALL_DURATION": None,
        "ANSWERED_DURATION": "", "STATUS": 9, "QUEUE_ID": 7, "NEW_FIELD": {"a": [1, 2]},
    }  # fmt: skip
    fields = normalize_record(raw, DIRECTORY)
    assert fields["from_number"] == fields["to_number"] == fields["from_name"] == ""
    assert fields["to_name"] == ""
    assert (fields["status"], fields["status_code"]) == (CallStatus.UNKNOWN, 9)
    assert fields["total_seconds"] == 0
    assert fields["raw"] is raw


@pytest.mark.parametrize(
    "field", ["TIMESTAMP", "FROM_NUM", "TO_NUM", "CALL_DURATION", "ANSWERED_DURATION", "STATUS"]
)
def test_a_record_without_an_indispensable_field_is_rejected_by_code(field):
    raw = record()
    raw[field.lower()] = raw.pop(field)  # renamed: lower case still counts as the field
    normalize_record(raw, DIRECTORY)
    raw[f"{field}_RENAMED"] = raw.pop(field.lower())

    with pytest.raises(Rejected) as rejected:
        normalize_record(raw, DIRECTORY)

    assert (rejected.value.code, rejected.value.params) == (
        "record.missing_field",
        {"field": field},
    )
    assert f"The record has no {field} field" in words(rejected.value.reason)


def test_a_numeric_string_timestamp_has_a_place_in_the_time_order():
    assert sort_second(record(TIMESTAMP="1767225600")) == 1_767_225_600
    assert sort_second(record(TIMESTAMP=" 1767225600.9 ")) == 1_767_225_600
    assert sort_second(record(TIMESTAMP="soon")) is None


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("UTC", "2026-01-01 00:00"), ("Asia/Tashkent", "2025-12-31 19:00"),
     ("America/New_York", "2026-01-01 05:00")],
)  # fmt: skip
def test_the_timestamp_is_read_in_the_pbx_zone(zone, expected):
    fields = normalize_record(record(TIMESTAMP="1767225600"), DIRECTORY, zone)

    assert fields["started_at"].strftime("%Y-%m-%d %H:%M") == expected
    assert fields["started_at"].utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"FROM_NUM": "101"}, "no TIMESTAMP"),
        (record(TIMESTAMP=None), "no TIMESTAMP"),
        (record(TIMESTAMP="abc"), "not a number"),
        (record(TIMESTAMP=True), "not a number"),
        (record(TIMESTAMP=12), "plausible"),
        (record(TIMESTAMP=1_767_225_600_000), "plausible"),
        (record(CALL_DURATION="long"), "CALL_DURATION is not a number"),
        (record(ANSWERED_DURATION=-7), "ANSWERED_DURATION is negative"),
        (record(FROM_NUM={"n": 1}), "FROM_NUM is not text"),
        (record(TO_NAME=["x"]), "TO_NAME is not text"),
        ("a string", "not a JSON object"),
        ([1, 2], "not a JSON object"),
    ],
)
def test_what_cannot_be_understood_is_rejected_with_the_reason(raw, reason):
    with pytest.raises(Rejected) as rejected:
        normalize_record(raw, DIRECTORY)
    assert reason in words(rejected.value.reason)


def test_keys_use_the_id_else_content_and_occurrence():
    assert record_key(record(ID=77), 3) == "id:77"
    assert record_key(record(ID=""), 2) == f"{content_digest(record(ID=''))}:2"
    twin_a, twin_b = record(), record()
    assert record_key(twin_a, 1) == record_key(twin_b, 1) != record_key(twin_b, 2)
    reordered = dict(reversed(list(record().items())))
    assert content_digest(reordered) == content_digest(record())
    assert content_digest(record(EXTRA=1)) != content_digest(record())
    assert len(record_key(record(ID="x" * 200), 1)) <= 80


# Stored keys are fingerprints: the fingerprint of a record must never change. These are the
# digests of the standard library's canonical text of these records, as first computed.
@pytest.mark.parametrize(
    ("raw", "digest"),
    [
        (record(), "b0c6faba9bed7d24fff0ebaae414ad70e8c8dbe9"),
        (
            record(
                FROM_NAME='Анвар "Ака"\\ \t😀', ID=None, FLAG=True, BIG=2**70, RATE=0.1,
                NESTED={"b": [1.0, "x"]},
            ),
            "c27105d1d844a04f8f02ac1c604f9fb0a791d904",
        ),
    ],
)  # fmt: skip
def test_a_records_fingerprint_never_changes(raw, digest):
    assert content_digest(raw) == digest


def standard_canonical_json(raw) -> bytes:
    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return text.encode()


# Any text but lone surrogates (the transport replaces them); integers on both sides of 64 bits.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
SCALARS = st.one_of(
    TEXT, st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
RECORDS = st.dictionaries(
    TEXT, st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(TEXT, SCALARS)),
    max_size=12,
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(RECORDS)
def test_the_canonical_text_is_the_standard_librarys_for_any_record(raw):
    assert canonical_json(raw) == standard_canonical_json(raw)
    assert content_digest(raw) == hashlib.sha256(standard_canonical_json(raw)).hexdigest()[:40]


def test_classify_without_a_directory_uses_the_pattern_only():
    directory = Directory.build(None, r"^\d{2,5}$")
    assert classify("101", "+998901234567", directory)[0] == Direction.OUTBOUND
    assert classify("+12345", "101", directory)[0] == Direction.INBOUND
    assert Directory.build([], "([").pattern is None
