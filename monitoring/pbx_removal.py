"""Removing a PBX connection with everything read from it: its calls, sync runs, live calls and
directory. How the demo PBX's simulated calls leave the figures once a real PBX is there."""

from dataclasses import dataclass

from django.db import transaction

from monitoring.analytics import inbound_index
from monitoring.models import Call, SyncRun
from monitoring.sync import sync_held_off
from providers.models import PbxConnection

BATCH_SIZE = 5000


@dataclass(frozen=True)
class Removal:
    """What removing a PBX takes with it (shown on the confirmation page)."""

    calls: int
    sync_runs: int


def removal_of(pbx: PbxConnection) -> Removal:
    return Removal(
        calls=Call.objects.filter(pbx=pbx).count(),
        sync_runs=SyncRun.objects.filter(pbx=pbx).count(),
    )


def remove_pbx(pbx: PbxConnection, *, batch_size: int = BATCH_SIZE) -> Removal:
    """Delete the PBX's calls (in batches, so a long history keeps the database responsive),
    then the PBX with its runs, live snapshot and directory. No sync of it runs meanwhile:
    raises SyncAlreadyRunning if one is running. Returns what was removed."""
    with sync_held_off(pbx):
        calls = 0
        while ids := list(Call.objects.filter(pbx=pbx).values_list("id", flat=True)[:batch_size]):
            with transaction.atomic():
                inbound_index.forget_calls(ids)
                calls += Call.objects.filter(id__in=ids).delete()[1].get(Call._meta.label, 0)
        with transaction.atomic():
            runs = SyncRun.objects.filter(pbx=pbx).count()
            pbx.delete()  # the runs, the live snapshot and the directory go with it
    return Removal(calls=calls, sync_runs=runs)
