"""The company line an inbound call dialled: a column, filled for the calls already stored by the
same rule the sync uses for new ones, then indexed."""

from django.db import migrations, models

from monitoring.numbers import normalize_number

BATCH = 2000
# The record fields that may name the dialled number, as the sync read them when this was written.
LINE_FIELDS = ("DID", "DNID")


def fill_lines(apps, schema_editor):
    Call = apps.get_model("monitoring", "Call")
    inbound = Call.objects.filter(direction="inbound")
    # The called number was the company's own when no extension of ours took the call.
    inbound.filter(extension="").exclude(to_number_normalized="").update(
        line=models.F("to_number_normalized")
    )
    # A record that names the dialled number (in capitals, as Kerio writes names) wins.
    named = models.Q()
    for name in LINE_FIELDS:
        named |= models.Q(raw__has_key=name)
    changed = []
    for pk, raw in inbound.filter(named).values_list("pk", "raw").iterator(chunk_size=BATCH):
        for name in LINE_FIELDS:
            value = raw.get(name)
            line = "" if isinstance(value, bool) else normalize_number(value)[:32]
            if isinstance(value, int | str) and line:
                changed.append(Call(pk=pk, line=line))
                break
        if len(changed) >= BATCH:
            Call.objects.bulk_update(changed, ["line"])
            changed = []
    Call.objects.bulk_update(changed, ["line"])


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0013_wallboard"),
        ("providers", "0006_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="line",
            field=models.CharField(blank=True, max_length=32, verbose_name="line dialled"),
        ),
        migrations.RunPython(fill_lines, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="call",
            index=models.Index(fields=["line", "-started_at", "-id"], name="call_line_started"),
        ),
    ]
