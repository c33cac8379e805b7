"""A server-side SVG bar chart of the calls per hour (or per day): no JavaScript, no library.

`activity_chart(kpis.activity(...))` computes the geometry; templates/monitoring/partials/chart.html
draws it. Each hour (or day) has two bars: inbound calls, stacked answered + missed, and outbound
calls beside them. Every bar carries a <title> with its numbers for screen readers and tooltips.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from monitoring.kpis import Activity, Bucket

SERIES = {
    "inbound_answered": gettext_lazy("Inbound answered"),
    "inbound_missed": gettext_lazy("Inbound missed"),
    "outbound": gettext_lazy("Outbound"),
}

# The drawing's coordinate system (the SVG scales to its box through its viewBox).
WIDTH, HEIGHT = 960, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28


@dataclass
class Bar:
    series: str
    value: int
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass
class Tick:
    value: int
    y: float


@dataclass
class Label:
    text: str
    x: float


@dataclass
class Chart:
    by: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_labels: list[Label] = field(default_factory=list)
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM
    total: int = 0
    summary: str = ""

    @property
    def series(self):
        return [{"key": key, "label": label} for key, label in SERIES.items()]


def nice_step(value: int, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) so that `ticks` steps cover value."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor * ticks >= value:
                return step * factor
        step *= 10


def bucket_label(bucket: Bucket, by: str) -> tuple[str, str]:
    """(axis label, full label) for an hour or a day."""
    if by == "hour":
        start: datetime = bucket.start
        end = start + timedelta(hours=1)
        return f"{start:%H}", f"{start:%H:%M}\u2013{end:%H:%M}"
    day: date = bucket.start
    return f"{day:%d.%m}", date_format(day, "DATE_FORMAT")


def activity_chart(activity: Activity) -> Chart:
    chart = Chart(by=activity.by)
    buckets = activity.buckets
    if not buckets:
        return chart
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    highest = max(max(b.inbound_answered + b.inbound_missed, b.outbound) for b in buckets)
    step = nice_step(highest)
    top = step * max(-(-highest // step), 1)
    scale = plot_height / top
    baseline = HEIGHT - BOTTOM
    for value in range(0, top + 1, step):
        chart.y_ticks.append(Tick(value, round(baseline - value * scale, 1)))

    slot = plot_width / len(buckets)
    bar_width = round(slot * 0.36, 1)
    gap = slot * 0.06
    # At most 16 labels: every day of a month shows every other day, a year every 23rd.
    label_every = -(-len(buckets) // 16)
    for index, bucket in enumerate(buckets):
        short, full = bucket_label(bucket, activity.by)
        left = LEFT + index * slot + (slot - 2 * bar_width - gap) / 2
        if index % label_every == 0:
            chart.x_labels.append(Label(short, round(LEFT + (index + 0.5) * slot, 1)))
        stack_bottom = baseline
        for key, x in (
            ("inbound_answered", left),
            ("inbound_missed", left),
            ("outbound", left + bar_width + gap),
        ):
            value = getattr(bucket, key)
            chart.total += value
            height = round(value * scale, 1)
            bottom = stack_bottom if key == "inbound_missed" else baseline
            chart.bars.append(
                Bar(
                    series=key,
                    value=value,
                    x=round(x, 1),
                    y=round(bottom - height, 1),
                    width=bar_width,
                    height=height,
                    title=gettext("%(when)s — %(series)s: %(count)d")
                    % {"when": full, "series": SERIES[key], "count": value},
                )
            )
            if key == "inbound_answered":
                stack_bottom = baseline - height
    chart.summary = gettext("Calls per hour") if activity.by == "hour" else gettext("Calls per day")
    return chart
