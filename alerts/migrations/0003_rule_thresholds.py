"""Per-kind settings of the rules (thresholds), the three new rules, and business hours taken
from the call center's working hours instead of each rule's own.

Nothing is lost: a rule whose own business hours differed from the working hours (Admin → Working
hours, as they are when this runs) keeps them in the audit log — an "update" entry of the rule
with the old values, for an administrator who wants them in the working hours instead. The working
hours are not changed: they also run the callback clock and its figures. Migrating back restores
each rule's hours from that entry.
"""

from datetime import time

import django.core.validators
from django.db import migrations, models

FIELDS = ("business_start", "business_end", "business_days")
# monitoring.callbacks.hours.DEFAULT_HOURS when this was written: a weekday without a row.
DEFAULT_WEEK = {0: (9, 18), 1: (9, 18), 2: (9, 18), 3: (9, 18), 4: (9, 18), 5: (9, 14), 6: None}


def _working_week(apps) -> dict:
    week = {
        weekday: (time(hours[0]), time(hours[1])) if hours else None
        for weekday, hours in DEFAULT_WEEK.items()
    }
    for row in apps.get_model("monitoring", "WorkingHours").objects.all():
        open_ = row.opens and row.closes and row.opens < row.closes
        week[row.weekday] = (row.opens, row.closes) if open_ else None
    return week


def _rule_week(rule) -> dict:
    return {
        weekday: (rule.business_start, rule.business_end)
        if str(weekday + 1) in rule.business_days and rule.business_start < rule.business_end
        else None
        for weekday in range(7)
    }


def keep_former_hours(apps, schema_editor):
    Rule = apps.get_model("alerts", "Rule")
    AuditEntry = apps.get_model("accounts", "AuditEntry")
    week = _working_week(apps)
    for rule in Rule.objects.all():
        if _rule_week(rule) == week:
            continue
        AuditEntry.objects.create(
            action="update",
            object_type="alerts.Rule",
            object_id=str(rule.pk),
            object_repr=rule.kind,
            changes={name: [str(getattr(rule, name)), None] for name in FIELDS},
        )


def restore_former_hours(apps, schema_editor):
    Rule = apps.get_model("alerts", "Rule")
    AuditEntry = apps.get_model("accounts", "AuditEntry")
    for rule in Rule.objects.all():
        entries = AuditEntry.objects.filter(
            object_type="alerts.Rule", object_id=str(rule.pk), changes__has_key="business_days"
        ).order_by("-at", "-id")
        entry = next((e for e in entries if e.changes["business_days"][1] is None), None)
        if entry is not None:
            for name in FIELDS:
                setattr(rule, name, entry.changes[name][0])
            rule.save(update_fields=list(FIELDS))


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0002_digests'),
        ('accounts', '0007_verbose_names'),
        ('monitoring', '0009_default_working_hours'),
    ]

    operations = [
        migrations.AddField(
            model_name='rule',
            name='history_weeks',
            field=models.PositiveSmallIntegerField(default=6, validators=[django.core.validators.MinValueValidator(2), django.core.validators.MaxValueValidator(12)], verbose_name='weeks of history the usual number is learned from'),
        ),
        migrations.AddField(
            model_name='rule',
            name='margin_percent',
            field=models.PositiveSmallIntegerField(default=5, validators=[django.core.validators.MaxValueValidator(50)], verbose_name='recovered at once this many points above the target'),
        ),
        migrations.AddField(
            model_name='rule',
            name='min_calls',
            field=models.PositiveIntegerField(default=5, validators=[django.core.validators.MinValueValidator(1)], verbose_name='judged only with at least this many inbound calls in the hour'),
        ),
        migrations.AddField(
            model_name='rule',
            name='overdue_minutes',
            field=models.PositiveIntegerField(default=30, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10080)], verbose_name='overdue after this many working minutes'),
        ),
        migrations.AddField(
            model_name='rule',
            name='recovery_minutes',
            field=models.PositiveIntegerField(default=15, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1440)], verbose_name='otherwise recovered after this many minutes not below the target'),
        ),
        migrations.AddField(
            model_name='rule',
            name='silence_minutes',
            field=models.PositiveIntegerField(default=20, validators=[django.core.validators.MinValueValidator(5), django.core.validators.MaxValueValidator(1440)], verbose_name='minutes without an inbound call'),
        ),
        migrations.AddField(
            model_name='rule',
            name='target_percent',
            field=models.PositiveSmallIntegerField(default=80, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)], verbose_name='service level target, %'),
        ),
        migrations.AddField(
            model_name='rule',
            name='usual_calls',
            field=models.PositiveIntegerField(default=5, validators=[django.core.validators.MinValueValidator(1)], verbose_name='watched when the hour usually brings at least this many inbound calls'),
        ),
        migrations.AlterField(
            model_name='incident',
            name='rule',
            field=models.CharField(choices=[('missed_call', 'A missed call in business hours'), ('unhealthy', 'The system is unhealthy, and when it recovers'), ('callback_overdue', 'A callback still open too long'), ('service_level', 'The service level drops below the target'), ('inbound_silence', 'No inbound calls when they usually come'), ('daily_digest', 'Daily digest'), ('weekly_digest', 'Weekly digest')], max_length=20),
        ),
        migrations.AlterField(
            model_name='notification',
            name='event',
            field=models.CharField(choices=[('missed_call', 'Missed call'), ('unhealthy', 'Problem'), ('recovered', 'Recovered'), ('callback_overdue', 'Callback overdue'), ('service_level_low', 'Service level below target'), ('service_level_ok', 'Service level recovered'), ('inbound_silence', 'No inbound calls'), ('inbound_resumed', 'Inbound calls again'), ('test', 'Test message'), ('daily_digest', 'Daily digest'), ('weekly_digest', 'Weekly digest')], max_length=30),
        ),
        migrations.AlterField(
            model_name='rule',
            name='kind',
            field=models.CharField(choices=[('missed_call', 'A missed call in business hours'), ('unhealthy', 'The system is unhealthy, and when it recovers'), ('callback_overdue', 'A callback still open too long'), ('service_level', 'The service level drops below the target'), ('inbound_silence', 'No inbound calls when they usually come'), ('daily_digest', 'Daily digest'), ('weekly_digest', 'Weekly digest')], max_length=20, unique=True, verbose_name='rule'),
        ),
        migrations.RunPython(keep_former_hours, restore_former_hours),
        migrations.RemoveField(
            model_name='rule',
            name='business_days',
        ),
        migrations.RemoveField(
            model_name='rule',
            name='business_end',
        ),
        migrations.RemoveField(
            model_name='rule',
            name='business_start',
        ),
    ]
