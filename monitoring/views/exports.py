"""Large exports: the page that starts one, its progress (refreshed by htmx, or by the page
itself without JavaScript) and the download, which only the user who asked for it may open."""

import logging

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from monitoring import export_jobs, tasks
from monitoring.models import ExportJob

logger = logging.getLogger(__name__)

# How often the progress page asks again, in seconds.
REFRESH_SECONDS = 2


def start_export(request, filename: str):
    """A large XLSX export: a form that asks for it (GET), or the job queued (POST)."""
    query = request.GET.urlencode()
    if request.method != "POST":
        return render(
            request, "monitoring/export_start.html", {"query": query, "filename": filename}
        )
    job = export_jobs.create_job(request.user, query, filename)
    try:
        tasks.export_calls.delay(str(job.pk))
    except (OperationalError, OSError) as exc:
        logger.warning("Could not queue export %s: %s", job.pk, exc)
        job.delete()
        messages.error(
            request,
            _(
                "The export could not be queued: the background worker's queue is unavailable. "
                "Try again later."
            ),
        )
        return redirect("call_list")
    return redirect("export_job", pk=job.pk)


def _own_job(request, pk) -> ExportJob:
    job = get_object_or_404(ExportJob, pk=pk, user=request.user)
    if job.expires_at <= timezone.now():
        raise Http404
    return job


def export_job(request, pk):
    job = _own_job(request, pk)
    template = "monitoring/partials/export_progress.html" if request.htmx else None
    return render(
        request,
        template or "monitoring/export_job.html",
        {"job": job, "refresh_seconds": REFRESH_SECONDS},
    )


def export_download(request, pk):
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.DONE or not job.path.is_file():
        raise Http404
    return FileResponse(
        job.path.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
