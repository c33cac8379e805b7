"""Large XLSX exports as background jobs: the page queues one, the worker writes the file with
`export_xlsx.write_xlsx` (as `manage.py export_calls --format xlsx` does), reporting progress on
the job, and the requester alone downloads it until it expires.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from accounts.roles import calls_visible_to
from monitoring.export_xlsx import write_xlsx
from monitoring.filters import CallFilterForm, filter_calls
from monitoring.models import Call, ExportJob
from monitoring.pbx_filter import pbxes_visible_to

logger = logging.getLogger(__name__)


def calls_for(user, query: str):
    """The calls the Calls page shows `user` for `query` (its query string); None when the
    filters are not valid."""
    form = CallFilterForm(QueryDict(query) or None, pbxes=pbxes_visible_to(user))
    if form.is_bound and not form.is_valid():
        return None
    filters = form.filters if form.is_bound else {"period": form.period_form.get_period()}
    return filter_calls(filters, calls_visible_to(user, Call.objects.all()))


def is_large(calls) -> bool:
    """More calls than a page may write while the user waits (counted no further than that)."""
    limit = settings.EXPORT_INLINE_ROWS
    return calls.order_by()[: limit + 1].count() > limit


def create_job(user, query: str, filename: str) -> ExportJob:
    return ExportJob.objects.create(user=user, query=query, filename=filename)


def run_job(job_id) -> None:
    """Write the job's file. The rows are counted first so that the page can show progress; the
    file is written under a temporary name and renamed when complete."""
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.finished:
        return  # gone, or done already (a running job is run again: its worker was lost)
    calls = calls_for(job.user, job.query)
    if calls is None:
        _finish(job, ExportJob.Status.FAILED, error="the filters are no longer valid")
        return
    total = calls.count()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, rows_total=total)
    job.path.parent.mkdir(parents=True, exist_ok=True)
    partial = job.path.with_suffix(".part")

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_done=rows)

    try:
        with partial.open("wb") as target:
            rows = write_xlsx(calls, target, progress, written=lambda: progress(total))
        partial.replace(job.path)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        logger.exception("Export %s failed", job.pk)
        _finish(job, ExportJob.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:1000])
        raise
    _finish(job, ExportJob.Status.DONE, rows_done=rows, rows_total=rows)


def _finish(job: ExportJob, status: str, **fields) -> None:
    ExportJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), **fields)


def expire(now=None) -> int:
    """Remove the jobs older than EXPORT_KEEP_HOURS and their files; how many were removed."""
    now = now or timezone.now()
    old = ExportJob.objects.filter(created_at__lt=now - timedelta(hours=settings.EXPORT_KEEP_HOURS))
    count = 0
    for job in old:
        job.path.unlink(missing_ok=True)
        job.path.with_suffix(".part").unlink(missing_ok=True)
        job.delete()
        count += 1
    return count
