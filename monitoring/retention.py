"""Deleting calls older than the retention period, in batches so the database stays responsive."""

from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from monitoring.analytics import inbound_index
from monitoring.models import Call


def retention_cutoff(months: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - relativedelta(months=months)


def purge_calls(cutoff: datetime, *, batch_size: int = 5000, dry_run: bool = False, progress=None):
    """Delete calls that started before `cutoff`; returns how many were (or would be) deleted."""
    old = Call.objects.filter(started_at__lt=cutoff)
    if dry_run:
        return old.count()
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(old.order_by("started_at").values_list("id", flat=True)[:batch_size])
            if not ids:
                return deleted
            inbound_index.forget_calls(ids)
            deleted += Call.objects.filter(id__in=ids).delete()[0]
        if progress:
            progress(deleted)
