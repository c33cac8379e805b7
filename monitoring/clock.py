"""The PBX's clock on the stored calls: re-reading their start times when the setting changes.

A call's key comes from its raw record, never from its start time, so re-deriving the start from
the raw TIMESTAMP in the new zone changes no key: nothing is lost or doubled, and the next sync
finds every call where it was.
"""

import logging

from django.db import transaction

from monitoring.analytics import inbound_index
from monitoring.callbacks import derive
from monitoring.models import Call
from providers.kerio.clock import pbx_instant
from providers.kerio.values import as_number
from providers.models import PbxConnection

logger = logging.getLogger(__name__)

BATCH = 2000


def _timestamp(raw) -> float | None:
    if not isinstance(raw, dict):
        return None
    if "TIMESTAMP" in raw:
        return as_number(raw["TIMESTAMP"])
    folded = next((key for key in raw if isinstance(key, str) and key.upper() == "TIMESTAMP"), None)
    return as_number(raw[folded]) if folded else None


def rederive_start_times(pbx: PbxConnection) -> int:
    """Read every stored call's start again from its raw record, in the PBX's current zone.

    Returns how many calls moved. Batches by primary key so memory stays bounded however many
    calls are stored.
    """
    zone_name = pbx.timestamps_timezone
    moved, last_pk, numbers = 0, 0, set()
    while True:
        with transaction.atomic():
            rows = list(
                Call.objects.filter(pbx=pbx, pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", "started_at", "raw", "external_number")[:BATCH]
            )
            if not rows:
                break
            changed = []
            for pk, started_at, raw, number in rows:
                epoch = _timestamp(raw)
                if epoch is None:
                    continue
                instant = pbx_instant(epoch, zone_name)
                if instant != started_at:
                    changed.append(Call(pk=pk, started_at=instant))
                    numbers.add(number)
            Call.objects.bulk_update(changed, ["started_at"], batch_size=500)
            inbound_index.calls_changed(call.pk for call in changed)
            moved += len(changed)
            last_pk = rows[-1][0]
    # The callbacks follow their calls' times: re-derive those of every number that moved.
    derive.refresh(dict.fromkeys(number for number in numbers if number))
    logger.info("%s: %d call start times re-read in %s", pbx, moved, zone_name)
    return moved


def on_clock_changed(sender, pbx: PbxConnection, **kwargs) -> None:
    """The connection's "time zone of the PBX's timestamps" changed (providers' signal)."""
    rederive_start_times(pbx)
