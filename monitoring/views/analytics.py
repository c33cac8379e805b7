"""The analytics pages: the weekday-by-hour heatmap, who is calling, queues and IVR."""

from dataclasses import dataclass

from django.shortcuts import render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, calls_visible_to, role_of
from monitoring.analytics import caller_figures
from monitoring.analytics import callers as who
from monitoring.analytics import heatmap as heat
from monitoring.analytics import queues as queue_figures
from monitoring.formatting import EMPTY, duration
from monitoring.models import Call
from monitoring.periods import PeriodForm, Preset

METRICS = {
    heat.Metric.OFFERED: _("Inbound offered"),
    heat.Metric.MISSED: _("Missed"),
    heat.Metric.SERVICE_LEVEL: _("Service level"),
    heat.Metric.AVERAGE_WAIT: _("Average wait"),
}


def period_form(request) -> PeriodForm:
    """The period of the GET parameters; this month when none is chosen (a day is too short to
    show a pattern)."""
    data = request.GET if "period" in request.GET else {"period": Preset.MONTH}
    return PeriodForm(data)


def clean_metric(value: str | None) -> str:
    return value if value in METRICS else heat.Metric.OFFERED


@dataclass
class ShownCell:
    hour: int
    text: str
    level: int
    title: str


def _text(metric: str, value) -> str:
    if value is None:
        return EMPTY
    if metric == heat.Metric.SERVICE_LEVEL:
        return f"{value:.0f}%"
    if metric == heat.Metric.AVERAGE_WAIT:
        return duration(value)
    return str(value)


def heatmap_rows(result: heat.Heatmap, metric: str) -> list[dict]:
    """The table's rows: a weekday's name and its 24 cells as text and colour level."""
    highest = result.highest(metric)
    rows = []
    for weekday in heat.WEEKDAYS:
        cells = []
        for hour, cell in result.cells[weekday].items():
            value = cell.value(metric)
            # An hour without inbound calls stays blank: no figure rather than a zero.
            cells.append(
                ShownCell(
                    hour=hour,
                    text=_text(metric, value) if cell.offered else "",
                    level=heat.intensity(metric, value, highest) if cell.offered else 0,
                    title=f"{WEEKDAYS[weekday - 1]} {hour:02d}:00\u2013{hour:02d}:59",
                )
            )
        rows.append({"weekday": WEEKDAYS[weekday - 1], "cells": cells})
    return rows


def heatmap(request):
    form = period_form(request)
    period = form.get_period()
    metric = clean_metric(request.GET.get("show"))
    calls = calls_visible_to(request.user, Call.objects.all())
    result = heat.heatmap(period, calls)
    context = {
        "form": form,
        "period": period,
        "metric": metric,
        "metrics": METRICS.items(),
        "metric_label": METRICS[metric],
        "period_extra_fields": "monitoring/partials/heatmap_metric_field.html",
        "hours": list(heat.HOURS),
        "rows": heatmap_rows(result, metric),
        "service_level_seconds": result.service_level_seconds,
    }
    return render(request, "monitoring/heatmap.html", context)


def callers(request):
    """Who is calling: by network and region, new and returning, repeat calls, worst repeaters."""
    form = period_form(request)
    period = form.get_period()
    if role_of(request.user) >= Role.SUPERVISOR:
        # All calls: counted from the inbound-call index, fast over any history.
        found = caller_figures.figures(period)
    else:
        found = who.figures(period, calls_visible_to(request.user, Call.objects.all()))
    context = {
        "form": form,
        "period": period,
        "origins": found.origins,
        "origin_calls": sum(row.calls for row in found.origins),
        "returning": found.returning,
        "repeats": found.repeats,
        "repeat_hours": int(who.REPEAT_WINDOW.total_seconds() // 3600),
        "repeaters": found.repeaters,
    }
    return render(request, "monitoring/callers.html", context)


# The wait-before-abandoning bars' drawing (SVG user units; it scales to its box).
BAR_WIDTH, BAR_GAP, BARS_HEIGHT = 12, 3, 28


@dataclass
class WaitBar:
    label: str
    count: int
    x: int
    y: float
    height: float


def wait_bars(figures: queue_figures.Figures) -> list[WaitBar]:
    """One bar per wait bucket of the abandoned calls, as tall as its share of the highest."""
    highest = max(figures.abandon_waits, default=0)
    bars = []
    for index, count in enumerate(figures.abandon_waits):
        height = round(BARS_HEIGHT * count / highest, 1) if highest else 0
        if count and height < 1:
            height = 1  # a bucket with calls always shows
        bars.append(
            WaitBar(
                label=str(queue_figures.WAIT_BUCKET_LABELS[index]),
                count=count,
                x=index * (BAR_WIDTH + BAR_GAP),
                y=BARS_HEIGHT - height,
                height=height,
            )
        )
    return bars


def queues(request):
    """Queues and IVR: each service number's offered, answered and abandoned calls, per PBX."""
    form = period_form(request)
    period = form.get_period()
    calls = calls_visible_to(request.user, Call.objects.all())
    report = queue_figures.queue_report(period, calls)
    for group in report.pbxes:
        for service in group.services:
            service.bars = wait_bars(service.figures)
    context = {
        "form": form,
        "period": period,
        "report": report,
        "many_pbxes": len(report.pbxes) > 1,
        "bucket_labels": [str(label) for label in queue_figures.WAIT_BUCKET_LABELS],
        "bars_width": len(queue_figures.WAIT_BUCKETS) * (BAR_WIDTH + BAR_GAP) - BAR_GAP,
        "bars_height": BARS_HEIGHT,
        "bar_width": BAR_WIDTH,
    }
    return render(request, "monitoring/queues.html", context)
