"""Operators' extensions belong to a PBX: the column, filled in by the next migration.

Schema and data changes go in migrations of their own: on PostgreSQL a table cannot be altered
in the transaction that has just written its rows.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_create_roles"),
        ("providers", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="operatorprofile",
            name="pbx",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="providers.pbxconnection",
                verbose_name="Kerio Operator connection",
            ),
        ),
        migrations.AlterField(
            model_name="operatorprofile",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="operator_profiles",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
