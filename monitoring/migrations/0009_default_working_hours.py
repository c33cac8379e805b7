"""The default working week, for an administrator to change: Monday to Friday 09:00 to 18:00,
Saturday 09:00 to 14:00, Sunday closed."""

from datetime import time

from django.db import migrations

DEFAULT_WEEK = {0: (9, 18), 1: (9, 18), 2: (9, 18), 3: (9, 18), 4: (9, 18), 5: (9, 14), 6: None}


def add_default_week(apps, schema_editor):
    WorkingHours = apps.get_model("monitoring", "WorkingHours")
    for weekday, hours in DEFAULT_WEEK.items():
        opens, closes = (time(hours[0]), time(hours[1])) if hours else (None, None)
        WorkingHours.objects.get_or_create(
            weekday=weekday, defaults={"opens": opens, "closes": closes}
        )


def remove_default_week(apps, schema_editor):
    apps.get_model("monitoring", "WorkingHours").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0008_callbacks_and_business_hours")]

    operations = [migrations.RunPython(add_default_week, remove_default_week)]
