"""The migration that creates the inbound-call index indexes the calls already stored."""

import datetime as dt

import pytest

from monitoring.tests.migrating import migrate, migrated_to

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("monitoring", "0015_call_hour_rollups")]
AFTER = [("monitoring", "0016_inbound_call_index")]
T0 = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)


@pytest.fixture
def before():
    yield from migrated_to(BEFORE)


def test_the_stored_inbound_calls_are_indexed_with_their_previous_calls(before):
    pbx = before.get_model("providers", "PbxConnection").objects.create(
        name="Main", host="pbx.example.uz", username="u"
    )
    Call = before.get_model("monitoring", "Call")
    calls = [
        (0, "inbound", "901234567", "answered"),
        (2, "outbound", "901234567", "answered"),  # not a caller
        (5, "inbound", "901234567", "no_answer"),
        (6, "inbound", "", "answered"),  # withheld: no previous call
    ]
    for hours, direction, number, status in calls:
        Call.objects.create(
            pbx=pbx, key=f"k{hours}", started_at=T0 + dt.timedelta(hours=hours),
            direction=direction, external_number=number, status=status, raw={},
        )  # fmt: skip

    after = migrate(AFTER)

    rows = after.get_model("monitoring", "InboundCall").objects.values_list(
        "number", "origin", "started_at", "missed", "previous_at"
    )
    assert sorted(rows, key=lambda row: row[2]) == [
        ("901234567", "beeline", T0, False, None),
        ("901234567", "beeline", T0 + dt.timedelta(hours=5), True, T0),
        ("", "withheld", T0 + dt.timedelta(hours=6), False, None),
    ]
