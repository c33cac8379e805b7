"""Stored messages become codes and parameters, worded when shown (providers.messages).

The text already stored stays readable: each becomes a JSON string, which is shown as it was. A
rejected record's reason already kept by code (a missing field) becomes that stored message."""

import json

from django.db import migrations, models

FIELDS = (
    ("livesnapshot", "error"),
    ("rejectedrecord", "reason"),
    ("syncrun", "error"),
    ("syncstate", "last_error"),
)


def text_to_json(apps, schema_editor):
    for model_name, field in FIELDS:
        model = apps.get_model("monitoring", model_name)
        for text in model.objects.values_list(field, flat=True).distinct():
            model.objects.filter(**{field: text}).update(**{field: json.dumps(text)})


MISSING_FIELD = ("missing_field", "record.missing_field")
MISSING_FIELD_WORDS = (
    "The record has no %(field)s field (missing or renamed); the product cannot do without it."
)


def missing_field_to_message(apps, schema_editor):
    records = apps.get_model("monitoring", "RejectedRecord").objects
    for record in records.filter(code=MISSING_FIELD[0]):
        record.code = MISSING_FIELD[1]
        record.reason = {"code": MISSING_FIELD[1], "params": record.params}
        record.save(update_fields=["code", "reason"])


def message_to_missing_field(apps, schema_editor):
    records = apps.get_model("monitoring", "RejectedRecord").objects
    for record in records.filter(code=MISSING_FIELD[1]):
        record.code = MISSING_FIELD[0]
        record.reason = MISSING_FIELD_WORDS % {"field": record.params.get("field", "?")}
        record.save(update_fields=["code", "reason"])


def json_to_text(apps, schema_editor):
    for model_name, field in FIELDS:
        model = apps.get_model("monitoring", model_name)
        for stored in model.objects.values_list(field, flat=True).distinct():
            value = json.loads(stored)
            if isinstance(value, str):
                model.objects.filter(**{field: stored}).update(**{field: value})


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0010_sync_run_clock_and_rejection_codes"),
    ]

    operations = [
        migrations.RunPython(text_to_json, json_to_text),
        migrations.AlterField(
            model_name="livesnapshot",
            name="error",
            field=models.JSONField(blank=True, default=str, verbose_name="error"),
        ),
        migrations.AlterField(
            model_name="rejectedrecord",
            name="reason",
            field=models.JSONField(verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="error",
            field=models.JSONField(blank=True, default=str, verbose_name="error"),
        ),
        migrations.AlterField(
            model_name="syncstate",
            name="last_error",
            field=models.JSONField(blank=True, default=str, verbose_name="last sync error"),
        ),
        migrations.RunPython(missing_field_to_message, message_to_missing_field),
    ]
