"""The API's endpoints: thin views over the pages' own filters, visibility rules and figures."""

from datetime import date

from django.db.models import Prefetch
from django.http import JsonResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import calls_visible_to, live_calls_visible_to
from api import cursor, represent
from api.http import endpoint, error, public
from api.openapi import document
from monitoring import kpis
from monitoring.callbacks import figures as callback_figures
from monitoring.callbacks.hours import Clock
from monitoring.callbacks.queue import CallbackFilterForm, callbacks_visible_to
from monitoring.filters import CallFilterForm, filter_calls
from monitoring.models import Call, Callback, LiveCall, LiveSnapshot
from monitoring.periods import FIRST_DAY, LAST_DAY, Preset, days_period, local_today
from providers.messages import words
from providers.models import PbxConnection

# The calls page's filters the API takes, as the page reads them (monitoring.filters).
CALL_FILTERS = ("period", "start", "end", "direction", "status", "extension", "number",
                "min_duration")  # fmt: skip
CALL_PARAMETERS = (*CALL_FILTERS, "pbx", "cursor", "limit")
# The callbacks page's filters (monitoring.callbacks.queue).
CALLBACK_FILTERS = ("state", "owner", "age", "pbx")
CALLBACK_PARAMETERS = (*CALLBACK_FILTERS, "page", "limit")
FIGURES_PARAMETERS = ("date",)
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class BadParameter(Exception):
    def __init__(self, fields: dict):
        self.fields = fields


def _unknown(request, allowed):
    unknown = sorted(set(request.GET) - set(allowed))
    return error(400, "unknown_parameters", names=", ".join(unknown)) if unknown else None


def _invalid(name: str, message) -> BadParameter:
    return BadParameter({name: [{"code": "invalid", "message": str(message)}]})


def _positive(request, name: str, default: int, most: int | None = None) -> int:
    """A whole number from 1 (to `most`), or `default` when the parameter is absent."""
    value = request.GET.get(name, "")
    if value == "":
        return default
    if not value.isdigit() or int(value) < 1 or (most is not None and int(value) > most):
        if most is None:
            raise _invalid(name, _("Enter a whole number of at least 1."))
        raise _invalid(name, _("Enter a whole number from 1 to %(most)d.") % {"most": most})
    return int(value)


def _form_errors(*forms) -> dict:
    fields = {}
    for form in forms:
        for name, errors in form.errors.get_json_data().items():
            fields.setdefault(name, []).extend(errors)
    return fields


def _subset(query: QueryDict, names) -> QueryDict:
    data = QueryDict(mutable=True)
    for name in names:
        if name in query:
            data.setlist(name, query.getlist(name))
    return data


def _next_url(request, **changes) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        query[name] = value
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


@endpoint("call_list")
def calls(request):
    """The calls the calls page would list for the same filters, newest first, a page at a
    time: `next` carries the cursor and the period pinned to the days of the first page."""
    problem = _unknown(request, CALL_PARAMETERS)
    if problem:
        return problem
    form = CallFilterForm(_subset(request.GET, CALL_FILTERS))
    if not form.is_valid():
        return error(400, "invalid_parameters", fields=_form_errors(form, form.period_form))
    try:
        limit = _positive(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        pbx_id = _positive(request, "pbx", 0)
        position = cursor.after(request.GET["cursor"]) if "cursor" in request.GET else None
    except BadParameter as exc:
        return error(400, "invalid_parameters", fields=exc.fields)
    except cursor.BadCursor:
        message = _("This is not a cursor of this API: take it from the previous page's next.")
        return error(400, "invalid_parameters", fields=_invalid("cursor", message).fields)
    filters = form.filters
    period = filters["period"]
    found = filter_calls(filters, calls_visible_to(request.user, Call.objects.all()))
    if pbx_id:
        found = found.filter(pbx_id=pbx_id)
    if position is not None:
        found = found.filter(position)
    rows = list(found.order_by("-started_at", "-id").values(*represent.CALL_COLUMNS)[: limit + 1])
    next_url = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_url = _next_url(
            request,
            cursor=cursor.encode(last["started_at"], last["id"]),
            period=Preset.CUSTOM,
            start=period.first_day.isoformat(),
            end=period.last_day.isoformat(),
        )
    return JsonResponse(
        {
            "period": {
                **represent.times("start", period.start),
                **represent.times("end", period.end),
            },
            "limit": limit,
            "next": next_url,
            "results": [represent.call(row) for row in rows],
        }
    )


@endpoint("call_detail")
def call_detail(request, pk):
    problem = _unknown(request, ())
    if problem:
        return problem
    visible = calls_visible_to(request.user, Call.objects.all())
    row = visible.filter(pk=pk).values(*represent.CALL_COLUMNS).first()
    if row is None:
        return error(404, "not_found")
    return JsonResponse(represent.call(row))


@endpoint("callback_list")
def callbacks(request):
    """The callbacks page's queue for the same filters and in its order, a page at a time."""
    problem = _unknown(request, CALLBACK_PARAMETERS)
    if problem:
        return problem
    form = CallbackFilterForm(_subset(request.GET, CALLBACK_FILTERS), user=request.user)
    if not form.is_valid():
        return error(400, "invalid_parameters", fields=_form_errors(form))
    try:
        limit = _positive(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        page = _positive(request, "page", 1)
    except BadParameter as exc:
        return error(400, "invalid_parameters", fields=exc.fields)
    now = timezone.now()
    listed = form.filter(Callback.objects.select_related("pbx", "owner", "closed_by"), now)
    bottom = (page - 1) * limit
    items = list(listed[bottom : bottom + limit + 1])
    more = len(items) > limit
    clock = Clock()
    results = []
    for item in items[:limit]:
        waited = clock.seconds(item.clock_starts_at, now) if item.is_open else item.clock_seconds
        results.append(represent.callback(item, waited))
    return JsonResponse(
        {
            "page": page,
            "limit": limit,
            "next": _next_url(request, page=page + 1) if more else None,
            "results": results,
        }
    )


@endpoint("dashboard")
def day_figures(request):
    """The dashboard's figures of one local day (today by default)."""
    problem = _unknown(request, FIGURES_PARAMETERS)
    if problem:
        return problem
    text = request.GET.get("date", "")
    try:
        day = date.fromisoformat(text) if text else local_today()
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError(text)
    except ValueError:
        message = _("Enter a day as YYYY-MM-DD.")
        return error(400, "invalid_parameters", fields=_invalid("date", message).fields)
    period = days_period(day, day)
    calls = calls_visible_to(request.user, Call.objects.all())
    summary, activity, extensions = kpis.dashboard_figures(period, calls)
    peak, peak_at = kpis.peak_concurrency(period, calls)
    not_called_back, _first = kpis.missed_not_called_back_first(period, calls, 1)
    callbacks = callbacks_visible_to(request.user, Callback.objects.all())
    result = callback_figures.figures(period, callbacks)
    return JsonResponse(
        {
            "date": day.isoformat(),
            "period": {
                **represent.times("start", period.start),
                **represent.times("end", period.end),
            },
            "calls": {
                "total": summary.total,
                "inbound": summary.inbound,
                "outbound": summary.outbound,
                "internal": summary.internal,
                "inbound_answered": summary.inbound_answered,
                "inbound_missed": summary.inbound_missed,
                "inbound_within_service_level": summary.inbound_within_service_level,
                "service_level_seconds": summary.service_level_seconds,
                "service_level_percent": represent.rounded(summary.service_level),
                "average_wait_seconds": represent.rounded(summary.average_wait),
                "longest_wait_seconds": summary.longest_wait,
                "answered": summary.answered,
                "total_talk_seconds": summary.total_talk,
                "average_talk_seconds": represent.rounded(summary.average_talk),
                "peak_concurrent": peak,
                **represent.times("peak_at", peak_at),
                "not_called_back": not_called_back,
            },
            "callbacks": {
                "service_level_minutes": result.minutes,
                "counted": result.counted,
                "within_service_level": result.within,
                "called_back": result.called_back,
                "service_level_percent": represent.rounded(result.service_level),
                "median_seconds": represent.rounded(result.median),
                "p90_seconds": represent.rounded(result.p90),
                "open_now": result.open,
                "oldest_open_seconds": result.oldest_seconds,
            },
            "hours": [
                {
                    **represent.times("start", bucket.start),
                    "inbound_answered": bucket.inbound_answered,
                    "inbound_missed": bucket.inbound_missed,
                    "outbound": bucket.outbound,
                }
                for bucket in activity.buckets
            ],
            "extensions": [
                {
                    "extension": row["extension"],
                    "calls": row["calls"],
                    "answered": row["answered"],
                    "missed": row["missed"],
                    "talk_seconds": row["talk"] or 0,
                    "average_talk_seconds": represent.rounded(row["average_talk"]),
                }
                for row in extensions
            ],
        }
    )


@endpoint("live_calls")
def live(request):
    """Each enabled PBX's calls in progress from its latest snapshot, and whether that snapshot
    is fresh (the last poll succeeded, recently): a stale one's calls are what was true then."""
    problem = _unknown(request, ())
    if problem:
        return problem
    now = timezone.now()
    visible = live_calls_visible_to(request.user, LiveCall.objects.all())
    pbxes = (
        PbxConnection.objects.filter(enabled=True)
        .select_related("live")
        .prefetch_related(Prefetch("live__calls", queryset=visible))
        .order_by("name", "id")
    )
    panels = []
    for item in pbxes:
        snapshot = getattr(item, "live", None)
        fresh = snapshot is not None and snapshot.is_fresh(now)
        elapsed = max(int((now - snapshot.taken_at).total_seconds()), 0) if fresh else 0
        stored_error = snapshot.error if snapshot is not None else ""
        panels.append(
            {
                "pbx": represent.pbx(item.pk, item.name),
                **represent.times("taken_at", snapshot.taken_at if snapshot else None),
                "fresh": fresh,
                "error_code": stored_error.get("code") if isinstance(stored_error, dict) else None,
                "error": words(stored_error) or None,
                "calls": [represent.live_call(call, elapsed) for call in snapshot.calls.all()]
                if snapshot is not None
                else [],
            }
        )
    return JsonResponse(
        {
            **represent.times("now", now),
            "fresh_for_seconds": int(LiveSnapshot.fresh_for().total_seconds()),
            "pbxes": panels,
        }
    )


@public
def unknown_address(request):
    return error(404, "not_found")


@public
def openapi(request):
    """The API's OpenAPI 3.1 description (public: it holds no data)."""
    document_ = document(request.build_absolute_uri(reverse("api_calls")).rsplit("/calls/", 1)[0])
    return JsonResponse(document_, json_dumps_params={"ensure_ascii": False})
