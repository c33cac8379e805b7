"""The connection check's result becomes a code and parameters, worded when shown
(providers.messages). A result already stored stays readable as a JSON string."""

import json

from django.db import migrations, models


def text_to_json(apps, schema_editor):
    connections = apps.get_model("providers", "PbxConnection").objects
    for text in connections.values_list("last_check_message", flat=True).distinct():
        connections.filter(last_check_message=text).update(last_check_message=json.dumps(text))


def json_to_text(apps, schema_editor):
    connections = apps.get_model("providers", "PbxConnection").objects
    for stored in connections.values_list("last_check_message", flat=True).distinct():
        value = json.loads(stored)
        if isinstance(value, str):
            connections.filter(last_check_message=stored).update(last_check_message=value)


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0004_kerio_session_pinning_and_clock"),
    ]

    operations = [
        migrations.RunPython(text_to_json, json_to_text),
        migrations.AlterField(
            model_name="pbxconnection",
            name="last_check_message",
            field=models.JSONField(
                blank=True, default=str, editable=False, verbose_name="last check result"
            ),
        ),
    ]
