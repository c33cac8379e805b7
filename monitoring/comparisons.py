"""The dashboard's figures against earlier periods: the period before, and a week before.

Which earlier periods (see `baselines`):
- one day: the day before, and the same weekday a week before;
- two to six days: the as many days before, and the same days a week before;
- seven days or more: the period before only (shifted by a week it would overlap itself; for
  a week, the period before is the week before). Whole calendar months (this or last month, a
  year) are compared with as many whole months before: March with February, 2026 with 2025.

A period still in progress (today, this week…) is compared up to the same point: today until
10:15 with yesterday until 10:15, this month's first ten days and a quarter with last month's.

`change` and `compare` are pure: two values (or two kpis.Summary) in, a Change out: the values,
their difference, the relative change, which way it went and whether that is good.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from monitoring import kpis
from monitoring.formatting import EMPTY, duration
from monitoring.periods import Period, days_period, month_end
from monitoring.rollups import figures as rollup_figures

UP, DOWN, SAME = "up", "down", "same"
GOOD, BAD = "good", "bad"
# Which way is better: more is good, more is bad, or neither (call volumes, talk time).
MORE_IS_GOOD, MORE_IS_BAD, NEITHER = 1, -1, 0

PREVIOUS, WEEK_BEFORE = "previous", "week_before"


@dataclass(frozen=True)
class Figure:
    """A dashboard figure read from a Summary. `kind`: count, duration (seconds) or percent
    (compared in percentage points, not relative to itself)."""

    value: Callable[[kpis.Summary], float | None]
    better: int = NEITHER
    kind: str = "count"


FIGURES = {
    "total": Figure(lambda s: s.total),
    "inbound": Figure(lambda s: s.inbound),
    "outbound": Figure(lambda s: s.outbound),
    "internal": Figure(lambda s: s.internal),
    "inbound_answered": Figure(lambda s: s.inbound_answered, MORE_IS_GOOD),
    "inbound_missed": Figure(lambda s: s.inbound_missed, MORE_IS_BAD),
    "service_level": Figure(lambda s: s.service_level, MORE_IS_GOOD, "percent"),
    "average_wait": Figure(lambda s: s.average_wait, MORE_IS_BAD, "duration"),
    "longest_wait": Figure(lambda s: s.longest_wait, MORE_IS_BAD, "duration"),
    "average_talk": Figure(lambda s: s.average_talk, NEITHER, "duration"),
    "total_talk": Figure(lambda s: s.total_talk, NEITHER, "duration"),
}


@dataclass(frozen=True)
class Change:
    """One figure now and before.

    difference: current - previous (points for a percent figure); percent: the difference
    relative to the previous value (None for a percent figure, or when the previous value is
    0); direction: up, down, same, or "" when either value is missing; tone: good, bad or ""
    (neither, or no change)."""

    current: float | None
    previous: float | None
    difference: float | None
    percent: float | None
    direction: str
    tone: str
    kind: str = "count"


def change(current, previous, better: int = NEITHER, kind: str = "count") -> Change:
    """How `current` compares with `previous`."""
    if current is None or previous is None:
        return Change(current, previous, None, None, "", "", kind)
    difference = current - previous
    percent = None
    if kind != "percent" and previous:
        percent = 100 * difference / previous
    direction = UP if difference > 0 else DOWN if difference < 0 else SAME
    tone = ""
    if direction != SAME and better != NEITHER:
        tone = GOOD if (difference > 0) == (better > 0) else BAD
    return Change(current, previous, difference, percent, direction, tone, kind)


def compare(current: kpis.Summary, previous: kpis.Summary) -> dict[str, Change]:
    """Every figure of FIGURES, now against before."""
    return {
        key: change(figure.value(current), figure.value(previous), figure.better, figure.kind)
        for key, figure in FIGURES.items()
    }


# -- The earlier periods ------------------------------------------------------------------------


def _whole_months(period: Period) -> int:
    """How many calendar months the period covers whole; 0 when it does not."""
    first, last = period.first_day, period.last_day
    if first.day != 1 or last != month_end(last):
        return 0
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _months_back(day, months: int):
    """The first day of the month `months` before `day`'s."""
    index = day.year * 12 + day.month - 1 - months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def previous_period(period: Period) -> Period:
    """The period just before: as many whole months before, or as many days."""
    months = _whole_months(period)
    if months:
        first = _months_back(period.first_day, months)
        return days_period(first, period.first_day - timedelta(days=1))
    length = len(period.days)
    return days_period(
        period.first_day - timedelta(days=length), period.first_day - timedelta(days=1)
    )


def week_before(period: Period) -> Period:
    """The same days a week before."""
    week = timedelta(days=7)
    return days_period(period.first_day - week, period.last_day - week)


@dataclass(frozen=True)
class Baseline:
    """An earlier period to compare with. `until`: where the comparison stops, when the current
    period is still in progress (the same time into the earlier period); `period` is cut there."""

    kind: str  # PREVIOUS or WEEK_BEFORE
    period: Period
    until: datetime | None = None


def _cut(earlier: Period, current: Period, now: datetime) -> Period | None:
    """The earlier period up to as far into it as `now` is into the current period."""
    if not current.start < now < current.end:
        return None
    end = earlier.start + (now - current.start)
    return replace(earlier, end=end) if end < earlier.end else None


def baselines(period: Period, now: datetime | None = None) -> list[Baseline]:
    """The earlier periods `period` is compared with (see the module's docstring)."""
    now = now or timezone.now()
    earlier = [(PREVIOUS, previous_period(period))]
    if len(period.days) < 7:
        earlier.append((WEEK_BEFORE, week_before(period)))
    found = []
    for kind, before in earlier:
        cut = _cut(before, period, now)
        found.append(Baseline(kind, cut or before, cut.end if cut else None))
    return found


# -- On the dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Badge:
    """A change as a tile shows it: an arrow, the change, its colour, and what it compares with."""

    kind: str  # PREVIOUS or WEEK_BEFORE
    arrow: str
    text: str
    direction: str
    tone: str
    title: str
    spoken: str


ARROWS = {UP: "▲", DOWN: "▼", SAME: "=", "": ""}


def _value(value, kind: str) -> str:
    if value is None:
        return EMPTY
    if kind == "duration":
        return duration(value)
    if kind == "percent":
        return f"{value:.0f}%"
    return str(round(value))


def change_text(result: Change) -> str:
    """The change in short: "12%", "<1%", "5 pts" (a percent figure), "+3" or "+0:40" (from 0)."""
    if not result.direction:
        return EMPTY
    if result.direction == SAME:
        return _("%(points)s pts") % {"points": 0} if result.kind == "percent" else "0%"
    size = abs(result.difference)
    if result.kind == "percent":
        shown = f"{size:.0f}" if size >= 0.5 else "<1"
        return _("%(points)s pts") % {"points": shown}
    if result.percent is None:  # from nothing: the difference itself
        return f"+{_value(size, result.kind)}"
    size = abs(result.percent)
    return f"{size:.0f}%" if size >= 0.5 else "<1%"


def _days_text(baseline: Baseline) -> str:
    """The earlier period's days, and where it stops when the current one is in progress: the
    time of a day, the day and time of a longer period."""
    days = baseline.period.label
    if baseline.until is None:
        return days
    moment = timezone.localtime(baseline.until)
    when = time_format(moment, "H:i")
    if not baseline.period.is_single_day:
        when = f"{moment:%d.%m.%Y} {when}"
    return _("%(days)s, until %(time)s") % {"days": days, "time": when}


def baseline_text(baseline: Baseline, current: Period) -> str:
    """What a badge compares with, for its tooltip: "Compared with the day before: 9 March 2026,
    until 10:15"."""
    days = {"days": _days_text(baseline)}
    if baseline.kind == WEEK_BEFORE:
        if current.is_single_day:
            return _("Compared with the same day a week before: %(days)s") % days
        return _("Compared with the same days a week before: %(days)s") % days
    if current.is_single_day:
        return _("Compared with the day before: %(days)s") % days
    return _("Compared with the period before: %(days)s") % days


def legend_text(baseline: Baseline, current: Period) -> str:
    """A baseline in the legend above the tiles: "the day before (9 March 2026)"."""
    days = {"days": _days_text(baseline)}
    if baseline.kind == WEEK_BEFORE:
        if current.is_single_day:
            return _("the same day a week before (%(days)s)") % days
        return _("the same days a week before (%(days)s)") % days
    if current.is_single_day:
        return _("the day before (%(days)s)") % days
    return _("the period before (%(days)s)") % days


def badge(result: Change, baseline: Baseline, current: Period) -> Badge:
    title = _("%(comparison)s (then %(value)s)") % {
        "comparison": baseline_text(baseline, current),
        "value": _value(result.previous, result.kind),
    }
    words = {UP: _("up"), DOWN: _("down"), SAME: _("unchanged"), "": ""}
    return Badge(
        kind=baseline.kind,
        arrow=ARROWS[result.direction],
        text=change_text(result),
        direction=result.direction,
        tone=result.tone,
        title=title,
        spoken=f"{words[result.direction]} {change_text(result)}. {title}".strip(),
    )


@dataclass
class Compared:
    """The tiles' badges by figure (FIGURES' keys, one badge per baseline, in order), and the
    baselines in that order, in words, for the legend."""

    badges: dict[str, list[Badge]]
    legend: list[str]


def compared(
    period: Period, current: kpis.Summary, calls: QuerySet | None = None, now=None
) -> Compared:
    """The period's figures (`current`) against each baseline's: those come from the summary
    over the same calls (from the hourly rollup where it answers exactly), one per baseline."""
    found = baselines(period, now)
    badges: dict[str, list[Badge]] = {key: [] for key in FIGURES}
    for baseline in found:
        earlier = rollup_figures.summary(baseline.period, calls)
        for key, result in compare(current, earlier).items():
            badges[key].append(badge(result, baseline, period))
    return Compared(badges, [legend_text(baseline, period) for baseline in found])
