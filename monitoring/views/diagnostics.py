"""The "Download diagnostics" button of a Kerio connection's settings (administrators)."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from monitoring.diagnostics import as_json, diagnostics
from providers.models import PbxConnection


def pbx_diagnostics(request, pbx_id):
    """The same document as ``manage.py kerio_probe``, as a file; ``?mask=1`` masks numbers."""
    pbx = get_object_or_404(PbxConnection, pk=pbx_id)
    document = diagnostics(pbx, mask_phone_numbers=request.GET.get("mask") == "1")
    response = HttpResponse(as_json(document), content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="kerio-diagnostics-{pbx.pk}-{stamp}.json"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
