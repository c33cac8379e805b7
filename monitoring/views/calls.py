"""The Calls pages: the filtered list and its exports, one call's detail and recording, and one
number's history."""

import json

from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import calls_visible_to
from monitoring import recordings
from monitoring.export import iter_csv
from monitoring.export_xlsx import xlsx_response
from monitoring.filters import (
    DEFAULT_PAGE_SIZE,
    PAGE_SIZES,
    CallFilterForm,
    filter_calls,
    number_calls,
    table_rows,
)
from monitoring.models import MISSED_STATUSES, Call, CallStatus
from monitoring.numbers import national_number
from monitoring.periods import Period

# How far back a link from an extension number looks (its calls on the Calls page).
EXTENSION_LINK_PERIOD = "month"


class _IdsFirstPaginator(Paginator):
    """Finds a page's ids first, from the index alone, then loads just those rows.

    A deep page (OFFSET 50,000) then walks the (started_at, id) index instead of sorting the
    whole period's rows with every column the table shows.
    """

    def _get_page(self, object_list, number, paginator):
        ids = list(object_list.values_list("pk", flat=True))
        rows = table_rows(self.object_list.model.objects.filter(pk__in=ids).order_by()).in_bulk()
        return super()._get_page([rows[pk] for pk in ids if pk in rows], number, paginator)


def _page(request, calls, per_page: int, count: int | None = None):
    """One page of `calls`; a page number past the end shows the last page, garbage the first."""
    paginator = _IdsFirstPaginator(calls, per_page)
    if count is not None:
        paginator.count = count  # already known: spare the COUNT(*) query
    page = paginator.get_page(request.GET.get("page"))
    page.elided_pages = paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    for call in page.object_list:
        _add_number_links(call)
    return page


def _add_number_links(call: Call) -> None:
    """Where each party's number links to: an external number's history, or an extension's calls."""
    for side in ("from", "to"):
        number = getattr(call, f"{side}_number")
        link = None
        if number and number == call.extension:
            query = f"?extension={number}&period={EXTENSION_LINK_PERIOD}"
            link = reverse("call_list") + query
        elif number:
            normalized = national_number(number)
            if normalized:
                link = reverse("number_history", args=[normalized])
        setattr(call, f"{side}_link", link)


def _visible_calls(request):
    """The calls this user may see (an operator: only their own extensions')."""
    return calls_visible_to(request.user, Call.objects.all())


def _get_call(request, pk) -> Call:
    return get_object_or_404(_visible_calls(request).select_related("pbx"), pk=pk)


def call_list(request):
    form = CallFilterForm(request.GET or None)
    context = {"form": form, "page": None, "page_sizes": PAGE_SIZES}
    if not request.GET or form.is_valid():
        filters = form.filters if form.is_bound else _default_filters(form)
        calls = filter_calls(filters, _visible_calls(request))
        page = _page(request, calls, filters.get("per_page") or DEFAULT_PAGE_SIZE)
        context.update(page=page, period=filters["period"], sort=filters.get("sort"))
    return render(request, "monitoring/call_list.html", context)


def _default_filters(form: CallFilterForm) -> dict:
    return {"period": form.period_form.get_period(), "per_page": DEFAULT_PAGE_SIZE}


def _export_filters(request):
    """The filters of an export request, or None when they are not valid."""
    form = CallFilterForm(request.GET)
    if request.GET and not form.is_valid():
        return None
    return form.filters if request.GET else _default_filters(form)


def _export_name(period: Period, extension: str) -> str:
    days = (
        f"{period.first_day:%Y-%m-%d}"
        if period.is_single_day
        else f"{period.first_day:%Y-%m-%d}_{period.last_day:%Y-%m-%d}"
    )
    return f"calls_{days}.{extension}"


def call_export_csv(request):
    filters = _export_filters(request)
    if filters is None:
        return redirect(reverse("call_list") + "?" + request.GET.urlencode())
    response = StreamingHttpResponse(
        iter_csv(filter_calls(filters, _visible_calls(request))),
        content_type="text/csv; charset=utf-8",
    )
    name = _export_name(filters["period"], "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def call_export_xlsx(request):
    filters = _export_filters(request)
    if filters is None:
        return redirect(reverse("call_list") + "?" + request.GET.urlencode())
    return xlsx_response(
        filter_calls(filters, _visible_calls(request)), _export_name(filters["period"], "xlsx")
    )


def call_detail(request, pk):
    call = _get_call(request, pk)
    _add_number_links(call)
    context = {
        "call": call,
        "raw_json": json.dumps(call.raw, indent=2, ensure_ascii=False, sort_keys=True),
    }
    # Without JavaScript the lookup happens on request, in the page itself.
    if request.GET.get("recording"):
        context.update(_recording_context(call))
    return render(request, "monitoring/call_detail.html", context)


def _recording_context(call: Call) -> dict:
    try:
        recording = recordings.find_recording(call)
    except recordings.RecordingUnavailable as exc:
        return {"recording_checked": True, "recording": None, "recording_error": exc.user_message}
    return {"recording_checked": True, "recording": recording, "recording_error": None}


def call_recording(request, pk):
    """The recording player (or why there is none): an htmx fragment of the detail page."""
    call = _get_call(request, pk)
    if not request.htmx:
        return redirect(reverse("call_detail", args=[call.pk]) + "?recording=1#recording")
    context = {"call": call, **_recording_context(call)}
    return render(request, "monitoring/partials/calls_recording.html", context)


def call_recording_audio(request, pk):
    """The recording's audio, streamed from Kerio through this server (credentials stay here)."""
    call = _get_call(request, pk)
    try:
        stream = recordings.open_recording(call)
    except recordings.RecordingUnavailable as exc:
        return HttpResponse(str(exc.user_message), status=502, content_type="text/plain")
    if stream is None:
        return HttpResponse(
            _("Kerio Operator has no recording of this call."),
            status=404,
            content_type="text/plain",
        )
    response = StreamingHttpResponse(stream.chunks(), content_type=stream.content_type)
    if stream.content_length is not None:
        response["Content-Length"] = str(stream.content_length)
    response["Content-Disposition"] = f'inline; filename="{stream.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def number_history(request, number):
    normalized, calls = number_calls(number, _visible_calls(request))
    if not normalized:
        return render(
            request,
            "monitoring/number_history.html",
            {"number": number, "normalized": "", "page": None},
        )
    summary = calls.order_by().aggregate(
        total=Count("id"),
        answered=Count("id", filter=Q(status=CallStatus.ANSWERED)),
        missed=Count("id", filter=Q(status__in=MISSED_STATUSES)),
        first=Min("started_at"),
        last=Max("started_at"),
    )
    try:
        per_page = int(request.GET.get("per_page", DEFAULT_PAGE_SIZE))
    except ValueError:
        per_page = DEFAULT_PAGE_SIZE
    if per_page not in PAGE_SIZES:
        per_page = DEFAULT_PAGE_SIZE
    page = _page(request, calls, per_page, count=summary["total"])
    return render(
        request,
        "monitoring/number_history.html",
        {
            "number": number,
            "normalized": normalized,
            "summary": summary,
            "page": page,
            "page_sizes": PAGE_SIZES,
        },
    )
