"""Celery tasks: thin. They pick what to do and delegate to monitoring.sync and monitoring.live.

Failures never escape as crashes: a failed sync is recorded in its SyncRun (and logged here), a
failed live poll marks its snapshot stale.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from monitoring import export_jobs, live, sync
from monitoring.callbacks import derive
from monitoring.models import Heartbeat, SyncRun
from providers.messages import words
from providers.models import PbxConnection
from providers.session_keeper import logins_paused

logger = logging.getLogger(__name__)


@shared_task(
    name="monitoring.tasks.sync_pbx",
    acks_late=True,
    soft_time_limit=settings.SYNC_TIME_LIMIT_SECONDS,
    time_limit=settings.SYNC_TIME_LIMIT_SECONDS + 60,
)
def sync_pbx(pbx_id: int, trigger: str = SyncRun.Trigger.SCHEDULE, full: bool = False) -> None:
    """Sync one PBX's call history (see monitoring.sync.sync_pbx)."""
    pbx = PbxConnection.objects.filter(pk=pbx_id).first()
    if pbx is None:
        logger.warning("Sync of PBX %s skipped: it no longer exists", pbx_id)
        return
    try:
        sync.sync_pbx(pbx, trigger=trigger, full=full)
    except sync.SyncAlreadyRunning:
        logger.info("%s: a sync is already running; this one is skipped", pbx)
    except sync.SyncFailed as exc:
        logger.warning("%s: sync failed: %s", pbx, words(exc.run.error))


@shared_task(name="monitoring.tasks.sync_all", acks_late=True, soft_time_limit=30, time_limit=60)
def sync_all() -> None:
    """Queue one sync per enabled PBX that is not syncing already, nor backing off after
    repeated failures (see monitoring.sync.backoff_delay), nor refused its password (logins are
    paused until the settings change or an administrator asks again)."""
    for pbx in PbxConnection.objects.filter(enabled=True):
        if sync.sync_is_running(pbx):
            continue
        if logins_paused(pbx) is not None:
            # No run at all: it would only fail, and the banner already says why.
            logger.debug("%s: logins are paused; the scheduled sync waits", pbx)
            continue
        until = sync.backoff_until(pbx)
        if until is not None:
            logger.info("%s: failing; the next scheduled sync waits until %s", pbx, until)
            continue
        sync_pbx.delay(pbx.pk)


@shared_task(
    name="monitoring.tasks.poll_live_calls", acks_late=True, soft_time_limit=20, time_limit=30
)
def poll_live_calls() -> None:
    """Refresh the live-call snapshot of every enabled PBX."""
    for pbx in PbxConnection.objects.filter(enabled=True):
        live.poll_live_calls(pbx)


@shared_task(name="monitoring.tasks.refresh_callbacks", acks_late=True)
def refresh_callbacks(changes: list) -> None:
    """Re-derive the callbacks of the numbers a large sync stored (see monitoring.sync.run)."""
    derive.refresh(derive.decode(changes))


@shared_task(name="monitoring.tasks.heartbeat", acks_late=True, soft_time_limit=10, time_limit=20)
def heartbeat() -> None:
    """Prove that beat schedules and the worker runs: the health page reads this time."""
    Heartbeat.objects.update_or_create(name=Heartbeat.WORKER, defaults={"seen_at": timezone.now()})


@shared_task(
    name="monitoring.tasks.export_calls",
    acks_late=True,
    soft_time_limit=settings.EXPORT_TIME_LIMIT_SECONDS,
    time_limit=settings.EXPORT_TIME_LIMIT_SECONDS + 60,
)
def export_calls(job_id: str) -> None:
    """Write one export job's file (see monitoring.export_jobs.run_job)."""
    export_jobs.run_job(job_id)


@shared_task(name="monitoring.tasks.expire_exports", acks_late=True, time_limit=300)
def expire_exports() -> None:
    """Remove export files older than EXPORT_KEEP_HOURS."""
    removed = export_jobs.expire()
    if removed:
        logger.info("Removed %d expired export(s)", removed)
