"""Deleting a Kerio Operator connection, after a confirmation that says how many calls and sync
runs go with it (linked from Settings → Kerio)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from monitoring.pbx_removal import removal_of, remove_pbx
from monitoring.sync import SyncAlreadyRunning
from providers.models import PbxConnection


def pbx_delete(request, pbx_id):
    pbx = get_object_or_404(PbxConnection, pk=pbx_id)
    if request.method == "POST":
        name = pbx.name
        try:
            removed = remove_pbx(pbx)
        except SyncAlreadyRunning:
            messages.error(
                request,
                _("A sync of “%(name)s” is running; delete it once the sync has finished.")
                % {"name": name},
            )
            return redirect("pbx_delete", pbx_id=pbx_id)
        calls = ngettext("%(count)d call", "%(count)d calls", removed.calls) % {
            "count": removed.calls
        }
        messages.success(
            request,
            _("Kerio Operator connection “%(name)s” was deleted with its %(calls)s.")
            % {"name": name, "calls": calls},
        )
        return redirect("pbx_list")
    return render(
        request, "monitoring/pbx_confirm_delete.html", {"pbx": pbx, "removal": removal_of(pbx)}
    )
