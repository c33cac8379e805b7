
"""The hourly rollups of the calls, the triggers that keep them, and their first count."""

import django.db.models.deletion
from django.db import migrations, models


def install_and_count(apps, schema_editor):
    from monitoring.rollups import maintenance

    maintenance.install(schema_editor.connection)
    maintenance.rebuild(connection=schema_editor.connection)


def uninstall(apps, schema_editor):
    from monitoring.rollups import maintenance

    maintenance.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0014_call_line'),
        ('providers', '0006_verbose_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='CallHour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField(verbose_name='hour')),
                ('direction', models.CharField(max_length=10, verbose_name='direction')),
                ('status', models.CharField(max_length=10, verbose_name='status')),
                ('line', models.CharField(blank=True, max_length=32, verbose_name='line')),
                ('calls', models.IntegerField(default=0, verbose_name='calls')),
                ('talk_seconds', models.BigIntegerField(default=0, verbose_name='talk seconds')),
                ('wait_seconds', models.BigIntegerField(default=0, verbose_name='wait seconds')),
                ('wait_max', models.IntegerField(default=0, verbose_name='longest wait')),
                ('within_5', models.IntegerField(default=0)),
                ('within_10', models.IntegerField(default=0)),
                ('within_15', models.IntegerField(default=0)),
                ('within_20', models.IntegerField(default=0)),
                ('within_30', models.IntegerField(default=0)),
                ('within_45', models.IntegerField(default=0)),
                ('within_60', models.IntegerField(default=0)),
                ('within_90', models.IntegerField(default=0)),
                ('within_120', models.IntegerField(default=0)),
                ('within_180', models.IntegerField(default=0)),
                ('extension', models.CharField(blank=True, max_length=32, verbose_name='extension')),
                ('pbx', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='providers.pbxconnection', verbose_name='PBX')),
            ],
            options={
                'verbose_name': 'calls of an hour',
                'verbose_name_plural': 'calls by hour',
                'indexes': [models.Index(fields=['hour'], name='call_hour_hour')],
                'constraints': [models.UniqueConstraint(fields=('pbx', 'hour', 'direction', 'status', 'extension', 'line'), name='call_hour_unique_key')],
            },
        ),
        migrations.CreateModel(
            name='CallHourTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField(verbose_name='hour')),
                ('direction', models.CharField(max_length=10, verbose_name='direction')),
                ('status', models.CharField(max_length=10, verbose_name='status')),
                ('line', models.CharField(blank=True, max_length=32, verbose_name='line')),
                ('calls', models.IntegerField(default=0, verbose_name='calls')),
                ('talk_seconds', models.BigIntegerField(default=0, verbose_name='talk seconds')),
                ('wait_seconds', models.BigIntegerField(default=0, verbose_name='wait seconds')),
                ('wait_max', models.IntegerField(default=0, verbose_name='longest wait')),
                ('within_5', models.IntegerField(default=0)),
                ('within_10', models.IntegerField(default=0)),
                ('within_15', models.IntegerField(default=0)),
                ('within_20', models.IntegerField(default=0)),
                ('within_30', models.IntegerField(default=0)),
                ('within_45', models.IntegerField(default=0)),
                ('within_60', models.IntegerField(default=0)),
                ('within_90', models.IntegerField(default=0)),
                ('within_120', models.IntegerField(default=0)),
                ('within_180', models.IntegerField(default=0)),
                ('pbx', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='providers.pbxconnection', verbose_name='PBX')),
            ],
            options={
                'verbose_name': 'calls of an hour, all extensions',
                'verbose_name_plural': 'calls by hour, all extensions',
                'indexes': [models.Index(fields=['hour'], name='call_hour_total_hour')],
                'constraints': [models.UniqueConstraint(fields=('pbx', 'hour', 'direction', 'status', 'line'), name='call_hour_total_unique_key')],
            },
        ),
        migrations.RunPython(install_and_count, uninstall),
    ]
