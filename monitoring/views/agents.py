"""The agents: the table of every agent (sortable, exported by supervisors) and one agent's page.

The figures are monitoring.analytics.agents'; these views choose the calls the reader may see,
the period and the sort, and put the figures in words.
"""

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from monitoring import charts
from monitoring.analytics import agents
from monitoring.analytics.agents_export import agents_csv, agents_xlsx
from monitoring.export_xlsx import CONTENT_TYPE
from monitoring.formatting import duration
from monitoring.models import Call
from monitoring.periods import Period
from monitoring.views.agent_links import agent_url, agents_table_url
from monitoring.views.analytics import period_form
from monitoring.views.dashboard import Tile
from providers.models import DirectoryEntry, PbxConnection


def _visible_calls(request):
    return agents.agents_visible_to(request.user, Call.objects.all())


def _table(request, period: Period, sort: str) -> list:
    return agents.table(
        period, _visible_calls(request), sort, extension=request.GET.get("extension", "")[:32]
    )


def table_columns(sort: str) -> list[dict]:
    """The table's headers: label, definition (the tooltip), the sort each links to, the current
    one reversed and marked."""
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    columns = []
    for key, (label, definition) in agents.LABELS.items():
        if key == current:
            next_sort = key if descending else f"-{key}"
            order = "descending" if descending else "ascending"
        else:
            next_sort = key if key in agents.ASCENDING_FIRST else f"-{key}"
            order = ""
        columns.append({"key": key, "label": label, "definition": definition,
                        "sort": next_sort, "order": order})  # fmt: skip
    return columns


def agent_list(request):
    form = period_form(request)
    period = form.get_period()
    sort = agents.clean_sort(request.GET.get("sort"))
    rows = _table(request, period, sort)
    for row in rows:
        row.url = agent_url(row.pbx_id, row.extension, period)
    context = {
        "form": form,
        "period": period,
        "sort": sort,
        "rows": rows,
        "columns": table_columns(sort),
        "many_pbx": len({row.pbx_id for row in rows}) > 1 or PbxConnection.objects.count() > 1,
        "extension": request.GET.get("extension", "")[:32],
        "period_extra_fields": "monitoring/partials/agents_extension_field.html",
    }
    return render(request, "monitoring/agent_list.html", context)


def _export_name(period: Period, suffix: str) -> str:
    days = f"{period.first_day:%Y-%m-%d}"
    if not period.is_single_day:
        days += f"_{period.last_day:%Y-%m-%d}"
    return f"agents_{days}.{suffix}"


def agent_export_csv(request):
    period = period_form(request).get_period()
    rows = _table(request, period, agents.clean_sort(request.GET.get("sort")))
    response = StreamingHttpResponse(agents_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(period, "csv")}"'
    return response


def agent_export_xlsx(request):
    period = period_form(request).get_period()
    rows = _table(request, period, agents.clean_sort(request.GET.get("sort")))
    response = HttpResponse(agents_xlsx(rows), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_export_name(period, "xlsx")}"'
    return response


def agent_tiles(figures: agents.AgentFigures) -> list[Tile]:
    labels = agents.LABELS

    def tile(key: str, value: str, note: str = "") -> Tile:
        label, definition = labels[key]
        return Tile(key, str(label), value, str(definition), note=note)

    connected = figures.outbound_connected
    return [
        tile("answered", str(figures.answered)),
        tile("rang_unanswered", str(figures.rang_unanswered)),
        tile("average_wait", duration(figures.average_wait)),
        tile("median_wait", duration(figures.median_wait)),
        tile("total_talk", duration(figures.total_talk)),
        tile("average_talk", duration(figures.average_talk)),
        tile(
            "outbound",
            str(figures.outbound),
            _("%(connected)d connected") % {"connected": connected},
        ),
        tile("callbacks_made", str(figures.callbacks_made)),
        tile("callback_median", duration(figures.callback_median)),
    ]


def agent_detail(request, pbx_id: int, extension: str):
    pbx = get_object_or_404(PbxConnection, pk=pbx_id)
    if not agents.may_see_agent(request.user, pbx.pk, extension):
        raise Http404
    form = period_form(request)
    period = form.get_period()
    calls = _visible_calls(request)
    entry = DirectoryEntry.objects.filter(pbx=pbx, number=extension).first()
    chart = charts.activity_chart(agents.hourly(period, calls, pbx, extension))
    chart.summary = _("Calls by hour of day")
    context = {
        "form": form,
        "period": period,
        "pbx": pbx,
        "extension": extension,
        "name": entry.name if entry else "",
        "many_pbx": PbxConnection.objects.count() > 1,
        "tiles": agent_tiles(agents.agent_figures(period, calls, pbx, extension)),
        "days": agents.days(period, calls, pbx, extension),
        "chart": chart,
        "list_url": agents_table_url(period),
    }
    return render(request, "monitoring/agent_detail.html", context)
