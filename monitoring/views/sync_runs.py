"""The "Sync now" button and the list of a PBX's last sync runs (linked from Settings → Kerio)."""

import logging

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from kombu.exceptions import OperationalError

from accounts import audit
from accounts.models import AuditEntry
from monitoring import tasks
from monitoring.models import RejectedRecord, SyncRun
from monitoring.sync import sync_is_running
from providers.models import PbxConnection
from providers.session_keeper import resume_logins

logger = logging.getLogger(__name__)

RUNS_SHOWN = 50


@require_POST
def sync_now(request, pbx_id):
    """Queue a sync of one PBX for the worker; say so, or say why not, in plain words."""
    pbx = get_object_or_404(PbxConnection, pk=pbx_id)
    if sync_is_running(pbx):
        outcome = "already running"
        messages.warning(
            request,
            _("A sync of “%(name)s” is already running; its result will appear below.")
            % {"name": pbx.name},
        )
    else:
        # The administrator asks to try again: a pause of logins after a refusal is lifted (the
        # cap of refused logins in 15 minutes still holds).
        resume_logins(pbx)
        try:
            tasks.sync_pbx.delay(pbx.id, trigger=SyncRun.Trigger.BUTTON.value)
        except (OperationalError, OSError) as exc:
            logger.warning("Could not queue a sync of %s: %s", pbx, exc)
            outcome = "could not be queued"
            messages.error(
                request,
                _(
                    "The sync of “%(name)s” could not be queued: the background worker's queue "
                    "is unavailable. Check the Health page."
                )
                % {"name": pbx.name},
            )
        else:
            outcome = "queued"
            messages.success(
                request,
                _("A sync of “%(name)s” was queued; refresh this page in a moment to see it.")
                % {"name": pbx.name},
            )
    audit.record(AuditEntry.Action.SYNC_NOW, obj=pbx, message=outcome)
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("sync_run_list", pbx_id=pbx.pk)


def sync_run_list(request, pbx_id):
    pbx = get_object_or_404(PbxConnection, pk=pbx_id)
    runs = list(pbx.sync_runs.all()[:RUNS_SHOWN])
    _add_rejection_reasons(runs)
    return render(
        request,
        "monitoring/sync_run_list.html",
        {"pbx": pbx, "runs": runs, "running": sync_is_running(pbx), "shown": RUNS_SHOWN},
    )


def _add_rejection_reasons(runs: list[SyncRun]) -> None:
    """Give each run ``rejection_reasons``: (reason in words, how many records) of its rejected
    records, so the page says why without opening the admin."""
    reasons: dict[int, list] = {run.pk: [] for run in runs}
    rows = (
        RejectedRecord.objects.filter(run__in=[run.pk for run in runs if run.rejected])
        .values("run_id", "code", "params", "reason")
        .annotate(count=Count("id"))
        .order_by("run_id", "-count")
    )
    for row in rows:
        record = RejectedRecord(code=row["code"], params=row["params"], reason=row["reason"])
        reasons[row["run_id"]].append((record.message, row["count"]))
    for run in runs:
        run.rejection_reasons = reasons.get(run.pk, [])
