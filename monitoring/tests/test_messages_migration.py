"""Text stored before messages became codes stays readable, as it was, and returns as text when
the migrations are reversed."""

import pytest

from monitoring.tests.migrating import migrate, migrated_to
from providers.messages import words

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("monitoring", "0010_sync_run_clock_and_rejection_codes"),
    ("providers", "0004_kerio_session_pinning_and_clock"),
]
AFTER = [
    ("monitoring", "0011_messages_stored_as_codes"),
    ("providers", "0005_check_message_stored_as_code"),
]
OLD_TEXT = "Kirish muvaffaqiyatsiz: foydalanuvchi nomi yoki parol noto'g'ri"


@pytest.fixture
def before():
    yield from migrated_to(BEFORE)


def stored_values(apps, pbx_pk):
    get = apps.get_model
    return {
        "check": get("providers", "PbxConnection").objects.get(pk=pbx_pk).last_check_message,
        "state": get("monitoring", "SyncState").objects.get(pk=pbx_pk).last_error,
        "run": get("monitoring", "SyncRun").objects.get(pbx_id=pbx_pk).error,
        "live": get("monitoring", "LiveSnapshot").objects.get(pbx_id=pbx_pk).error,
        "reason": get("monitoring", "RejectedRecord").objects.get().reason,
    }


@pytest.fixture
def old_rows(before):
    get = before.get_model
    pbx = get("providers", "PbxConnection").objects.create(
        name="Main", host="pbx.example.uz", username="u", password="p", last_check_message=OLD_TEXT
    )
    get("monitoring", "SyncState").objects.create(pbx_id=pbx.pk, last_error=OLD_TEXT)
    run = get("monitoring", "SyncRun").objects.create(pbx_id=pbx.pk, error=OLD_TEXT)
    get("monitoring", "LiveSnapshot").objects.create(pbx_id=pbx.pk, error="")
    get("monitoring", "RejectedRecord").objects.create(
        run=run, raw={}, reason="TIMESTAMP son emas."
    )
    return pbx.pk


def test_old_text_is_shown_as_it_was(old_rows):
    values = stored_values(migrate(AFTER), old_rows)

    assert {name: words(value) for name, value in values.items()} == {
        "check": OLD_TEXT,
        "state": OLD_TEXT,
        "run": OLD_TEXT,
        "live": "",
        "reason": "TIMESTAMP son emas.",
    }


def test_migrating_back_restores_the_text(old_rows):
    migrate(AFTER)

    values = stored_values(migrate(BEFORE), old_rows)

    assert values == {
        "check": OLD_TEXT,
        "state": OLD_TEXT,
        "run": OLD_TEXT,
        "live": "",
        "reason": "TIMESTAMP son emas.",
    }


@pytest.fixture
def missing_field_row(before):
    get = before.get_model
    pbx = get("providers", "PbxConnection").objects.create(
        name="Main", host="pbx.example.uz", username="u", password="p"
    )
    run = get("monitoring", "SyncRun").objects.create(pbx_id=pbx.pk)
    reason = (
        "The record has no STATUS field (missing or renamed); the product cannot do without it."
    )
    record = get("monitoring", "RejectedRecord").objects.create(
        run=run, raw={}, reason=reason, code="missing_field", params={"field": "STATUS"}
    )
    return record.pk, reason


def test_a_missing_field_kept_by_code_becomes_its_stored_message(missing_field_row):
    pk, _reason = missing_field_row
    record = migrate(AFTER).get_model("monitoring", "RejectedRecord").objects.get(pk=pk)

    assert record.reason == {"code": "record.missing_field", "params": {"field": "STATUS"}}
    assert record.code == "record.missing_field"
    assert "STATUS" in words(record.reason)


def test_migrating_back_restores_the_missing_field_code_and_words(missing_field_row):
    pk, reason = missing_field_row
    migrate(AFTER)

    record = migrate(BEFORE).get_model("monitoring", "RejectedRecord").objects.get(pk=pk)

    assert (record.code, record.params, record.reason) == (
        "missing_field",
        {"field": "STATUS"},
        reason,
    )
