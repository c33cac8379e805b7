"""The dashboard: the period's KPI tiles, the chart, the per-extension table, the missed calls not
called back, and the live calls panel (refreshed by htmx through `live_calls`)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import (
    Role,
    calls_visible_to,
    live_calls_visible_to,
    operator_extensions,
    role_of,
)
from monitoring import charts, comparisons, kpis
from monitoring.agents import agents_and_services
from monitoring.analytics import agents as agent_figures
from monitoring.callbacks import figures
from monitoring.callbacks.queue import callbacks_visible_to
from monitoring.context_processors import pbx_banners_of
from monitoring.formatting import EMPTY, duration, local_time, neutral
from monitoring.models import Call, Callback, LiveCall
from monitoring.pbx_filter import PbxForm, pbxes_visible_to
from monitoring.periods import PeriodForm
from monitoring.views.agent_links import agent_url, agents_table_url
from providers.messages import words
from providers.models import PbxConnection

STATS_TARGET = "dashboard-stats"
# The "Missed, not called back" list shows the most recent numbers, then how many more there are.
MISSED_SHOWN = 25

EXTENSION_COLUMNS = [
    ("extension", gettext_lazy("Extension")),
    ("calls", gettext_lazy("Calls")),
    ("answered", gettext_lazy("Answered")),
    ("missed", gettext_lazy("Missed")),
    ("talk", gettext_lazy("Talk time")),
    ("average_talk", gettext_lazy("Average talk")),
    ("callbacks_made", gettext_lazy("Callbacks")),
    ("callback_median", gettext_lazy("Callback median")),
]
# The callbacks' columns come from the callbacks, not the calls: the rows are sorted by them here.
CALLBACK_SORTS = frozenset({"callbacks_made", "callback_median"})


def clean_extension_sort(value: str | None) -> str:
    """The sort GET value if it names a column of the table, else the default."""
    if value and value.removeprefix("-") in CALLBACK_SORTS:
        return value
    return kpis.clean_extension_sort(value)


@dataclass
class Tile:
    key: str
    label: str
    value: str
    definition: str
    tone: str = ""  # "good", "bad" or "" — a colour hint only, the number says it all
    note: str = ""
    changes: list = field(default_factory=list)  # comparisons.Badge: against earlier periods


def _count(value) -> str:
    return str(value or 0)


def kpi_tiles(summary: kpis.Summary, peak: tuple, not_called_back: int) -> list[Tile]:
    """The tiles in display order, each with its definition for the tooltip."""
    threshold = summary.service_level_seconds
    level = summary.service_level
    peak_count, peak_at = peak
    return [
        Tile(
            "total",
            _("Total calls"),
            _count(summary.total),
            _("All calls that started in the period: inbound, outbound, internal and unknown."),
        ),
        Tile("inbound", _("Inbound"), _count(summary.inbound), _("Calls from outside to us.")),
        Tile("outbound", _("Outbound"), _count(summary.outbound), _("Calls from us to outside.")),
        Tile(
            "internal",
            _("Internal"),
            _count(summary.internal),
            _("Calls between our own extensions."),
        ),
        Tile(
            "inbound_answered",
            _("Answered"),
            _count(summary.inbound_answered),
            _("Inbound calls a person answered."),
            "good" if summary.inbound_answered else "",
        ),
        Tile(
            "inbound_missed",
            _("Missed"),
            _count(summary.inbound_missed),
            _("Inbound calls no person answered: failed, busy, no answer or voicemail."),
            "bad" if summary.inbound_missed else "",
        ),
        Tile(
            "service_level",
            _("Service level"),
            EMPTY if level is None else f"{level:.0f}%",
            _(
                "Inbound calls answered within %(seconds)d seconds ÷ all inbound calls. "
                "“—” when there were no inbound calls."
            )
            % {"seconds": threshold},
            note=_("answered within %(seconds)d s") % {"seconds": threshold},
        ),
        Tile(
            "average_wait",
            _("Average wait"),
            duration(summary.average_wait),
            _(
                "Average speed of answer: how long callers waited before a person answered, "
                "over answered inbound calls (wait = total minus talk time)."
            ),
        ),
        Tile(
            "longest_wait",
            _("Longest wait"),
            duration(summary.longest_wait),
            _("The longest wait before a person answered an inbound call."),
        ),
        Tile(
            "average_talk",
            _("Average talk time"),
            duration(summary.average_talk),
            _("Talk time of answered calls ÷ their number."),
        ),
        Tile(
            "total_talk",
            _("Total talk time"),
            duration(summary.total_talk),
            _("The talk time of all calls, added up."),
        ),
        Tile(
            "peak",
            _("Peak concurrent calls"),
            _count(peak_count),
            _("The most calls in progress at the same moment."),
            note=(_("at %(time)s") % {"time": local_time(peak_at)}) if peak_at else "",
        ),
        Tile(
            "not_called_back",
            _("Not called back"),
            _count(not_called_back),
            _(
                "Numbers whose last inbound call in the period was missed and who have had no "
                "answered call with us since."
            ),
            "bad" if not_called_back else "",
        ),
    ]


def callback_tiles(result: figures.Figures) -> list[Tile]:
    """Service level, median (and 90th percentile) time to callback, open callbacks (oldest)."""
    level = result.service_level
    minutes = {"minutes": result.minutes}
    return [
        Tile(
            "callback_service_level",
            _("Callback service level"),
            EMPTY if level is None else f"{level:.0f}%",
            _(
                "Missed numbers called back within %(minutes)d minutes of working time ÷ all "
                "missed numbers of the period (those closed as wrong number or not needed left "
                "out). “—” when there were none."
            )
            % minutes,
            note=_("within %(minutes)d min") % minutes,
        ),
        Tile(
            "callback_time",
            _("Time to callback"),
            duration(result.median),
            _(
                "The median time from the missed call to the answered call back, counted in "
                "working hours; the note gives the 90th percentile."
            ),
            note=(_("90%%: %(time)s") % {"time": duration(result.p90)})
            if result.p90 is not None
            else "",
        ),
        Tile(
            "callbacks_open",
            _("Open callbacks"),
            str(result.open),
            _("Missed numbers waiting for a callback now, and how long the oldest has waited."),
            "bad" if result.open else "",
            note=(_("oldest %(time)s") % {"time": duration(result.oldest_seconds)})
            if result.oldest_seconds is not None
            else "",
        ),
    ]


def extension_columns(sort: str) -> list[dict]:
    """The table's headers: each links to its sort, the current one reversed."""
    current = sort.removeprefix("-")
    descending = sort.startswith("-")
    columns = []
    for key, label in EXTENSION_COLUMNS:
        if key == current:
            next_sort = key if descending else f"-{key}"
            order = "descending" if descending else "ascending"
        else:
            next_sort = key if key == "extension" else f"-{key}"
            order = ""
        columns.append({"key": key, "label": label, "sort": next_sort, "order": order})
    return columns


def stats_context(request, period, sort, pbx_form: PbxForm | None = None) -> dict:
    """The period's figures; `pbx_form`: the PBX filter, when the page has one."""
    narrow = pbx_form.narrow if pbx_form is not None else (lambda queryset: queryset)
    calls = narrow(calls_visible_to(request.user, Call.objects.all()))
    # The summary, the chart and the per-extension table read the same calls: one pass.
    by_callbacks = sort.removeprefix("-") in CALLBACK_SORTS
    calls_sort = kpis.DEFAULT_EXTENSION_SORT if by_callbacks else sort
    summary, activity, extensions = kpis.dashboard_figures(period, calls, calls_sort)
    peak = kpis.peak_concurrency(period, calls)
    missed_count, missed = kpis.missed_not_called_back_first(period, calls, MISSED_SHOWN)
    callbacks = narrow(callbacks_visible_to(request.user, Callback.objects.all()))
    by_agent = figures.per_extension(period, callbacks)
    for row in extensions:
        agent = by_agent.get(row["extension"])
        row["callbacks_made"] = agent.made if agent else 0
        row["callback_median"] = agent.median if agent else None
    if by_callbacks:
        extensions = agent_figures.sort_rows(extensions, sort)
    agents, services = agents_and_services(extensions)
    _link_agents(request.user, agents, period)
    tiles = kpi_tiles(summary, peak, missed_count)
    compared = comparisons.compared(period, summary, calls)
    for tile in tiles:
        tile.changes = compared.badges.get(tile.key, [])
    return {
        "period": period,
        "compared_with": compared.legend,
        "pbx_name": pbx_form.chosen_name if pbx_form is not None else "",
        "tiles": tiles + callback_tiles(figures.figures(period, callbacks)),
        "chart": charts.activity_chart(activity),
        "missed_numbers": missed,
        "missed_count": missed_count,
        "missed_more": missed_count - len(missed),
        "extensions": agents,
        "service_numbers": services,
        "extension_columns": extension_columns(sort),
        "stats_refresh_seconds": settings.SYNC_INTERVAL_SECONDS,
    }


def _link_agents(user, rows: list[dict], period) -> None:
    """Give each agent row the `url` of its agent page (the page's period kept). An operator's
    extensions are on the PBXes they work on; for supervisors, an extension several PBXes list
    links to the agents table narrowed to it."""
    if role_of(user) >= Role.SUPERVISOR:
        pbxes = agent_figures.pbx_of_extensions([row["extension"] for row in rows])
        for row in rows:
            pbx_id = pbxes[row["extension"]]
            if pbx_id is None:
                row["url"] = agents_table_url(period, row["extension"])
            else:
                row["url"] = agent_url(pbx_id, row["extension"], period)
        return
    own = operator_extensions(user)
    for row in rows:
        pbx_ids = [pbx_id for pbx_id, mine in own.items() if row["extension"] in mine]
        if len(pbx_ids) == 1:
            row["url"] = agent_url(pbx_ids[0], row["extension"], period)


# -- Live calls -----------------------------------------------------------------------------------


@dataclass
class LiveRow:
    from_number: str
    from_name: str
    to_number: str
    to_name: str
    state: str
    state_key: str
    seconds: int


@dataclass
class LivePanel:
    pbx: str
    rows: list[LiveRow]
    stale: bool = False
    message: str = ""


def enabled_pbxes_live(user) -> list[PbxConnection]:
    """The enabled PBXes, each with its live snapshot and the calls in it that `user` may see."""
    visible = live_calls_visible_to(user, LiveCall.objects.all())
    return list(
        PbxConnection.objects.filter(enabled=True)
        .select_related("live", "sync_state", "kerio_session")
        .prefetch_related(Prefetch("live__calls", queryset=visible))
    )


def live_panels(
    user, now: datetime | None = None, pbxes: list[PbxConnection] | None = None
) -> list[LivePanel]:
    """Each enabled PBX's calls in progress, or why they are not known right now.

    `pbxes`: `enabled_pbxes_live(user)`, when the caller has read them already.
    """
    now = now or timezone.now()
    if pbxes is None:
        pbxes = enabled_pbxes_live(user)
    panels = []
    for pbx in pbxes:
        snapshot = getattr(pbx, "live", None)
        if snapshot is None or snapshot.taken_at is None:
            error = words(snapshot.error) if snapshot else ""
            message = (
                _("No live data yet — the PBX could not be reached: %(reason)s") % {"reason": error}
                if error
                else _("No live data yet: live polling has not run (is the worker running?).")
            )
            panels.append(LivePanel(pbx.name, [], stale=True, message=message))
            continue
        stale = not snapshot.is_fresh(now)
        message = ""
        if stale:
            since = {"time": local_time(snapshot.taken_at)}
            if snapshot.error:
                message = _(
                    "No live data since %(time)s — the PBX could not be reached: %(reason)s"
                ) % {**since, "reason": words(snapshot.error)}
            else:
                message = (
                    _(
                        "No live data since %(time)s — live polling has stopped "
                        "(is the worker running?)."
                    )
                    % since
                )
        elapsed = 0 if stale else max(int((now - snapshot.taken_at).total_seconds()), 0)
        rows = [
            LiveRow(
                neutral(call.from_number),
                neutral(call.from_name),
                neutral(call.to_number),
                neutral(call.to_name),
                call.state_label,
                call.state_key,
                call.total_seconds + elapsed,
            )
            for call in snapshot.calls.all()
        ]
        panels.append(LivePanel(pbx.name, rows, stale=stale, message=message))
    return panels


def live_context(request) -> dict:
    pbxes = enabled_pbxes_live(request.user)
    panels = live_panels(request.user, pbxes=pbxes)
    return {
        # The layout's PBX banners, from the PBXes read here (the context processor's stand in).
        **pbx_banners_of(pbxes),
        "live_panels": panels,
        "live_many_pbx": len(panels) > 1,
        "live_refresh_seconds": settings.LIVE_POLL_SECONDS,
        "live_count": sum(len(panel.rows) for panel in panels if not panel.stale),
    }


# -- Views ----------------------------------------------------------------------------------------


def dashboard(request):
    form = PeriodForm(request.GET)
    period = form.get_period()
    sort = clean_extension_sort(request.GET.get("sort"))
    pbx_form = PbxForm(request.GET, pbxes=pbxes_visible_to(request.user))
    context = {"form": form, "pbx_form": pbx_form, **stats_context(request, period, sort, pbx_form)}
    if pbx_form.shown:
        context["period_extra_fields"] = "monitoring/partials/pbx_field.html"
    if request.htmx and request.htmx.target == STATS_TARGET:
        return render(request, "monitoring/partials/stats.html", context)
    context.update(live_context(request))
    return render(request, "monitoring/dashboard.html", context)


def live_calls(request):
    """The live calls panel alone, for htmx to swap in every few seconds."""
    return render(request, "monitoring/partials/live_panel.html", live_context(request))
