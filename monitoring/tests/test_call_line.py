"""The company line an inbound call dialled: read from the record, stored as a column, filled for
the calls already stored when the column arrives, and played by the simulator in each form a box
may write it."""

import datetime as dt

import pytest

from monitoring.directory import Directory
from monitoring.models import Call, Direction
from monitoring.sync import sync_pbx
from monitoring.sync.normalize import normalize_record
from monitoring.tests.migrating import migrate, migrated_to
from providers.kerio.simulator.demo import COMPANY_LINES
from providers.tests import factories

DIRECTORY = Directory.build(
    [
        {"TEL_NUM": "101", "DESCRIPTION": "Dilnoza", "EXTENSION_TYPE_ID": 1},
        {"TEL_NUM": "800", "DESCRIPTION": "Queue", "EXTENSION_TYPE_ID": 5},
    ],
    "",
)


def record(**fields):
    return {
        "TIMESTAMP": 1_767_225_600,
        "FROM_NUM": "+998901234567",
        "TO_NUM": "101",
        "CALL_DURATION": 60,
        "ANSWERED_DURATION": 45,
        "STATUS": 4,
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ({}, ""),  # to an extension, nothing names the line
        ({"DID": "+998 71 200-01-00"}, "+998712000100"),
        ({"did": 712000100}, "712000100"),  # any case, a number
        ({"DNID": "781500300"}, "781500300"),
        ({"DID": "", "DNID": "781500300"}, "781500300"),
        ({"TO_NUM": "+998712000200"}, "+998712000200"),  # the called number is the company's
        ({"DID": {"bad": 1}}, ""),  # a field of an unexpected type is no line, and no rejection
        ({"DID": True}, ""),
    ],
)
def test_an_inbound_calls_line_is_the_dialled_company_number(fields, line):
    assert normalize_record(record(**fields), DIRECTORY)["line"] == line


@pytest.mark.parametrize(
    "fields",
    [
        {"FROM_NUM": "101", "TO_NUM": "+998901234567", "DID": "712000100"},  # outbound
        {"FROM_NUM": "101", "TO_NUM": "800", "DID": "712000100"},  # internal
    ],
)
def test_only_inbound_calls_have_a_line(fields):
    fields = normalize_record(record(**fields), DIRECTORY)
    assert fields["direction"] != Direction.INBOUND
    assert fields["line"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["field", "called"])
def test_the_sync_stores_the_line_each_way_a_box_writes_it(make_kerio_simulator, mode):
    simulator = make_kerio_simulator(history_size=400, inbound_line=mode)
    pbx = factories.connect(simulator)

    sync_pbx(pbx)

    inbound = Call.objects.filter(pbx=pbx, direction=Direction.INBOUND)
    lines = set(inbound.values_list("line", flat=True))
    assert lines == set(COMPANY_LINES)
    # Written in TO_NUM, the line takes the place of the extension that answered.
    assert inbound.exclude(extension="").exists() == (mode == "field")
    assert not Call.objects.exclude(direction=Direction.INBOUND).exclude(line="").exists()


@pytest.mark.django_db
def test_a_box_that_does_not_write_the_line_leaves_it_blank(make_kerio_simulator):
    simulator = make_kerio_simulator(history_size=300)
    pbx = factories.connect(simulator)

    sync_pbx(pbx)

    assert Call.objects.filter(pbx=pbx).count() == 300
    assert not Call.objects.exclude(line="").exists()


BEFORE = [("monitoring", "0013_wallboard")]
AFTER = [("monitoring", "0014_call_line")]


@pytest.fixture
def before():
    yield from migrated_to(BEFORE)


@pytest.mark.django_db(transaction=True)
def test_the_calls_already_stored_get_their_line_by_the_syncs_rule(before):
    PbxConnection = before.get_model("providers", "PbxConnection")
    pbx = PbxConnection.objects.create(name="Main", host="pbx.example.uz", username="u")
    OldCall = before.get_model("monitoring", "Call")
    started = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
    stored = {
        # key: (direction, extension, to_number_normalized, raw), expected line
        "to-extension": (("inbound", "101", "101", {}), ""),
        "to-company": (("inbound", "", "+998712000200", {}), "+998712000200"),
        "named": (("inbound", "101", "101", {"DID": "712000100"}), "712000100"),
        "named-lower": (("inbound", "101", "101", {"dnid": 781500300}), ""),  # exact names only
        "outbound": (("outbound", "101", "+998901234567", {"DID": "712000100"}), ""),
    }
    for key, ((direction, extension, to_number, raw), _line) in stored.items():
        OldCall.objects.create(
            pbx=pbx, key=key, started_at=started, direction=direction, extension=extension,
            to_number=to_number, to_number_normalized=to_number, raw=raw,
        )  # fmt: skip

    after = migrate(AFTER)

    Call = after.get_model("monitoring", "Call")
    lines = dict(Call.objects.values_list("key", "line"))
    assert lines == {key: line for key, (_fields, line) in stored.items()}
