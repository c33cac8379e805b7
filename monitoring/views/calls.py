"""The Calls pages: the filtered list and its exports, one call's detail and recording, and one
number's history."""

import json
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.db.models import Count, Max, Min, Q
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from accounts.roles import calls_visible_to
from monitoring import export_jobs, recordings
from monitoring.export import iter_csv
from monitoring.export_xlsx import xlsx_response
from monitoring.filters import (
    DEFAULT_PAGE_SIZE,
    PAGE_SIZES,
    TABLE_COLUMNS,
    CallFilterForm,
    filter_calls,
    number_calls,
)
from monitoring.formatting import bidi_escaped, duration, neutral
from monitoring.models import MISSED_STATUSES, Call, CallStatus, Direction
from monitoring.numbers import national_number
from monitoring.pbx_filter import pbxes_visible_to
from monitoring.periods import Period
from monitoring.rollups import figures as rollup_figures
from monitoring.views import exports

# How far back a link from an extension number looks (its calls on the Calls page).
EXTENSION_LINK_PERIOD = "month"


# Above this many calls (PostgreSQL's estimate), the Calls page counts them only roughly.
ESTIMATE_ABOVE = 10_000


def estimated_count(calls) -> int | None:
    """PostgreSQL's planner estimate of how many rows `calls` has (no row is read); None on other
    databases."""
    if connections[calls.db].vendor != "postgresql":
        return None
    if calls.query.is_empty():
        return 0  # .none(): there is no query to explain (an operator without extensions)
    plan = json.loads(calls.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def about(count: int) -> int:
    """A count rounded to two significant digits, as "about N calls" shows an estimate."""
    if count < 100:
        return count
    scale = 10 ** (len(str(count)) - 2)
    return round(count / scale) * scale


class CallPaginator(Paginator):
    """Pages of calls that find a page's ids first, and count long periods only roughly.

    A page's ids come from the index alone, then just those rows are loaded (one statement: the
    ids are its subquery): a deep page (OFFSET 50,000) walks the (started_at, id) index instead
    of sorting the whole period's rows with every column the table shows.

    An exact COUNT(*) reads every row of the period (a year: ~700,000 at 2,000 calls a day). On
    PostgreSQL, when the planner expects more than ESTIMATE_ABOVE rows, its estimate stands in for
    the count (`estimated` is then True and the page says "about N calls"); each page then
    corrects it with what it sees: a page that reaches the end makes the count exact, a page
    that is not the last keeps a next page, and a page beyond the real end or the estimated one
    counts exactly (a page past the end then shows the last page, as everywhere).
    """

    def __init__(self, object_list, per_page, count: int | None = None):
        super().__init__(object_list, per_page)
        self.estimated = False
        if count is not None:
            self._set_count(count)

    def _set_count(self, count: int, estimated: bool = False) -> None:
        self.__dict__["count"] = count
        self.__dict__.pop("num_pages", None)
        self.__dict__.pop("page_range", None)
        self.estimated = estimated

    @cached_property
    def count(self) -> int:
        estimate = estimated_count(self.object_list)
        if estimate is not None and estimate > ESTIMATE_ABOVE:
            self.estimated = True
            return estimate
        return self.object_list.count()

    @property
    def shown_count(self) -> int:
        """The count as the page shows it: an estimate rounded."""
        return about(self.count) if self.estimated else self.count

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            if not self.estimated or int(number) < 1:
                raise
            # Past the estimated last page: count for real, the estimate may have been low.
            self._set_count(self.object_list.count())
            return super().validate_number(number)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        # One row more than the page shows: whether a next page exists, without counting. The
        # ids come from the index alone (the subquery), and only those rows are read.
        window = self.object_list.values("pk")[bottom : bottom + self.per_page + 1]
        rows = list(
            self.object_list.model.objects.filter(pk__in=window)
            .order_by(*self.object_list.query.order_by)
            .values(*TABLE_COLUMNS)
        )
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        ids = [row["id"] for row in rows]
        if self.estimated:
            if not ids and number > 1:
                # Past the real end: count exactly (once), then show the real last page.
                self._set_count(self.object_list.count())
                return self.page(min(number, self.num_pages))
            if not more:
                self._set_count(bottom + len(ids))  # this page is the last: now it is exact
            elif self.count <= bottom + len(ids):
                self._set_count(bottom + len(ids) + 1, estimated=True)  # at least one more
        return self._get_page(table_page(rows), number, self)


# The parties' names and numbers, shown without bidirectional controls (the links are made from
# the numbers as stored).
_PARTY_COLUMNS = ("from_number", "from_name", "to_number", "to_name", "extension", "line")


def _status_label(statuses: dict, status: str, code: int | None) -> str:
    """The status in words; a code the product does not know (a "blacklisted" call, say) is
    shown with it, so it can be looked up."""
    label = statuses.get(status, status)
    if status == CallStatus.UNKNOWN and code is not None:
        return f"{label} ({code})"
    return label


def table_page(rows: list[dict]) -> list[dict]:
    """The calls table's rows from `filters.TABLE_COLUMNS` values, with what the template prints
    besides the columns: the call's link and local time, the labels of its direction and status,
    where each party's number links to (see `number_link`) and the durations as m:ss.

    A page has up to 200 rows: values prepared here cost a fraction of what a template filter
    per cell costs (the Calls page of a month: 15 ms less of ~60, measured under load).
    """
    directions = dict(Direction.choices)
    statuses = dict(CallStatus.choices)
    zone = timezone.get_current_timezone()
    table = []
    for row in rows:
        extension, code = row["extension"], row["status_code"]
        table.append(
            {
                **row,
                "detail_url": reverse("call_detail", args=[row["id"]]),
                "time": row["started_at"].astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                "wait": duration(row["wait_seconds"]),
                "talk": duration(row["talk_seconds"]),
                "total": duration(row["total_seconds"]),
                "direction_label": directions.get(row["direction"], row["direction"]),
                "from_link": number_link(row["from_number"], extension),
                "to_link": number_link(row["to_number"], extension),
                **{name: neutral(row[name]) for name in _PARTY_COLUMNS},
                "status_label": _status_label(statuses, row["status"], code),
                "status_title": f"Kerio {code}" if code is not None else "",
            }
        )
    return table


def _page(request, calls, per_page: int, count: int | None = None):
    """One page of `calls`; a page number past the end shows the last page, garbage the first."""
    paginator = CallPaginator(calls, per_page, count)
    page = paginator.get_page(request.GET.get("page"))
    page.elided_pages = paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return page


def number_link(number: str, extension: str) -> str | None:
    """Where a party's number links to: an external number's history, or an extension's calls."""
    if number and number == extension:
        query = urlencode({"extension": number, "period": EXTENSION_LINK_PERIOD})
        return f"{reverse('call_list')}?{query}"
    if number:
        normalized = national_number(number)
        if normalized:
            return reverse("number_history", args=[normalized])
    return None


def _add_number_links(call: Call) -> None:
    """Where each party's number links to (see `number_link`)."""
    call.from_link = number_link(call.from_number, call.extension)
    call.to_link = number_link(call.to_number, call.extension)


def _visible_calls(request):
    """The calls this user may see (an operator: only their own extensions')."""
    return calls_visible_to(request.user, Call.objects.all())


def _get_call(request, pk) -> Call:
    return get_object_or_404(_visible_calls(request).select_related("pbx"), pk=pk)


def _filter_form(request) -> CallFilterForm:
    """The Calls page's filters, with the PBXes this user may choose from."""
    return CallFilterForm(request.GET or None, pbxes=pbxes_visible_to(request.user))


def kept_count(filters: dict, visible) -> int | None:
    """The exact number of calls the filters select, from the hourly rollup, when it keeps
    what they filter on (period, PBX, direction, status, extension, line); None otherwise."""
    period = filters.get("period")
    if period is None:
        return None
    return rollup_figures.count_if_kept(period, filter_calls({**filters, "period": None}, visible))


def call_list(request):
    form = _filter_form(request)
    context = {"form": form, "page": None, "page_sizes": PAGE_SIZES}
    if not request.GET or form.is_valid():
        filters = form.filters if form.is_bound else _default_filters(form)
        calls = filter_calls(filters, _visible_calls(request))
        count = kept_count(filters, _visible_calls(request))
        page = _page(request, calls, filters.get("per_page") or DEFAULT_PAGE_SIZE, count)
        _link_back(page, request.GET)
        context.update(page=page, period=filters["period"], sort=filters.get("sort"))
    return render(request, "monitoring/call_list.html", context)


def _link_back(page, query: QueryDict) -> None:
    """Each call's link carries the list's filters and page, for the detail's back link."""
    if not query:
        return
    back = "?" + urlencode({"back": query.urlencode()})
    for row in page.object_list:
        row["detail_url"] += back


def back_to_list(request) -> str:
    """The calls list the reader came from (its filters and page), else the plain list."""
    query = QueryDict(request.GET.get("back", ""))
    url = reverse("call_list")
    return f"{url}?{query.urlencode()}" if query else url


def _default_filters(form: CallFilterForm) -> dict:
    return {"period": form.period_form.get_period(), "per_page": DEFAULT_PAGE_SIZE}


def _export_filters(request):
    """The filters of an export request, or None when they are not valid."""
    form = _filter_form(request)
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
    """A small export is written while the user waits; a large one by the worker (a job)."""
    filters = _export_filters(request)
    if filters is None:
        return redirect(reverse("call_list") + "?" + request.GET.urlencode())
    calls = filter_calls(filters, _visible_calls(request))
    name = _export_name(filters["period"], "xlsx")
    if export_jobs.is_large(calls):
        return exports.start_export(request, name)
    return xlsx_response(calls, name)


def call_detail(request, pk):
    call = _get_call(request, pk)
    _add_number_links(call)
    context = {
        "call": call,
        "raw_json": bidi_escaped(
            json.dumps(call.raw, indent=2, ensure_ascii=False, sort_keys=True)
        ),
        "back_url": back_to_list(request),
    }
    # Without JavaScript the lookup happens on request, in the page itself.
    if request.GET.get("recording"):
        context.update(_recording_context(call))
    return render(request, "monitoring/call_detail.html", context)


def _recording_context(call: Call) -> dict:
    context = {"recording_checked": True, "recording_window": settings.RECORDING_MATCH_SECONDS}
    try:
        recording = recordings.find_recording(call)
    except recordings.RecordingUnavailable as exc:
        return {**context, "recording": None, "recording_error": exc.user_message}
    return {**context, "recording": recording, "recording_error": None}


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
            _("No recording found for this call on Kerio Operator."),
            status=404,
            content_type="text/plain",
        )
    response = StreamingHttpResponse(stream.chunks(), content_type=stream.content_type)
    if stream.content_length is not None:
        response["Content-Length"] = str(stream.content_length)
    disposition = "inline" if stream.playable else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{stream.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
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
