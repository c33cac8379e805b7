import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_operator_extensions_on_every_pbx"),
    ]

    operations = [
        migrations.AlterField(
            model_name="operatorprofile",
            name="pbx",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="providers.pbxconnection",
                verbose_name="Kerio Operator connection",
            ),
        ),
        migrations.AddConstraint(
            model_name="operatorprofile",
            constraint=models.UniqueConstraint(
                fields=("user", "pbx"), name="operator_profile_one_per_pbx"
            ),
        ),
    ]
