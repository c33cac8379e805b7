"""Operators' extensions belong to a PBX.

An existing extension list is kept for every PBX there is: each operator keeps seeing exactly
what they saw before the upgrade, and an administrator then removes the PBXes an operator does
not work on. (Linking a list to one PBX chosen here could hide an operator's own calls.)
"""

from django.db import migrations


def extensions_on_every_pbx(apps, schema_editor):
    OperatorProfile = apps.get_model("accounts", "OperatorProfile")
    PbxConnection = apps.get_model("providers", "PbxConnection")
    pbx_ids = list(PbxConnection.objects.order_by("pk").values_list("pk", flat=True))
    for profile in OperatorProfile.objects.filter(pbx__isnull=True):
        if not pbx_ids:
            continue  # no PBX yet, so no call to see: the list has no PBX to belong to
        profile.pbx_id = pbx_ids[0]
        profile.save(update_fields=["pbx"])
        OperatorProfile.objects.bulk_create(
            OperatorProfile(user_id=profile.user_id, pbx_id=pbx_id, extensions=profile.extensions)
            for pbx_id in pbx_ids[1:]
        )
    OperatorProfile.objects.filter(pbx__isnull=True).delete()


def one_list_per_operator(apps, schema_editor):
    """Back to one list per operator: the numbers of all their PBXes together."""
    OperatorProfile = apps.get_model("accounts", "OperatorProfile")
    kept = {}
    for profile in OperatorProfile.objects.order_by("user_id", "pk"):
        first = kept.setdefault(profile.user_id, profile)
        if first is profile:
            continue
        numbers = [n.strip() for n in first.extensions.split(",") if n.strip()]
        numbers += [n.strip() for n in profile.extensions.split(",") if n.strip()]
        first.extensions = ", ".join(dict.fromkeys(numbers))
        first.save(update_fields=["extensions"])
        profile.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_operator_profile_pbx"),
        ("providers", "0001_initial"),
    ]

    operations = [migrations.RunPython(extensions_on_every_pbx, one_list_per_operator)]
