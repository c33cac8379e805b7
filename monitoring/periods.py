"""Reporting periods: a preset (today, yesterday, the last 7 or 30 days, this or last week, this or
last month, this year) or a custom range of days.

A day is a day in the configured time zone (settings.TIME_ZONE, Asia/Tashkent by default): a call
at 23:30 UTC belongs to the next local day. A period is the half-open range [start, end) of aware
datetimes in UTC, ready to filter `Call.started_at` on its index.

    form = PeriodForm(request.GET)
    period = form.get_period()      # today when the form is empty or invalid
    Call.objects.filter(started_at__gte=period.start, started_at__lt=period.end)
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The longest custom range: keeps every query over a period bounded.
MAX_DAYS = 366
# The days a custom range may cover: Kerio counts time from 1970, and the calendar's own ends
# (years 1 and 9999) cannot be turned into UTC moments in every zone.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


class Preset(models.TextChoices):
    TODAY = "today", _("Today")
    YESTERDAY = "yesterday", _("Yesterday")
    LAST_7_DAYS = "last7", _("Last 7 days")
    LAST_30_DAYS = "last30", _("Last 30 days")
    WEEK = "week", _("This week")
    LAST_WEEK = "last_week", _("Last week")
    MONTH = "month", _("This month")
    LAST_MONTH = "last_month", _("Last month")
    YEAR = "year", _("This year")
    CUSTOM = "custom", _("Custom range")


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, and the local days it covers (first_day to last_day, inclusive)."""

    start: datetime
    end: datetime
    label: str
    preset: str = Preset.CUSTOM
    first_day: date | None = None
    last_day: date | None = None

    @property
    def days(self) -> list[date]:
        """The local days of the period, in order."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]

    @property
    def is_single_day(self) -> bool:
        return self.first_day == self.last_day

    @property
    def preset_label(self) -> str:
        """ "Today", "This week"… (or "Custom range")."""
        return Preset(self.preset).label


def local_zone():
    """The zone days and hours are counted in (settings.TIME_ZONE)."""
    return timezone.get_default_timezone()


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), local_zone()).date()


def day_start(day: date) -> datetime:
    """The UTC moment the local day begins."""
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(UTC)


def days_period(first_day: date, last_day: date, preset: str = Preset.CUSTOM) -> Period:
    """The period covering local days first_day to last_day, both included."""
    if first_day == last_day:
        label = date_format(first_day, "DATE_FORMAT")
    else:
        label = (
            f"{date_format(first_day, 'DATE_FORMAT')} \u2013 {date_format(last_day, 'DATE_FORMAT')}"
        )
    return Period(
        start=day_start(first_day),
        end=day_start(last_day + timedelta(days=1)),
        label=label,
        preset=preset,
        first_day=first_day,
        last_day=last_day,
    )


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    next_month = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return next_month - timedelta(days=1)


def _preset_days(preset: str, today: date) -> tuple[date, date] | None:
    """The first and last local day of a preset (None for the custom range or an unknown name).

    "Last N days" end today; "last week" is Monday to Sunday before this week; this week, month
    and year are whole, days still to come included.
    """
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    previous_month_end = first_of_month - timedelta(days=1)
    presets = {
        Preset.TODAY: (today, today),
        Preset.YESTERDAY: (today - timedelta(days=1),) * 2,
        Preset.LAST_7_DAYS: (today - timedelta(days=6), today),
        Preset.LAST_30_DAYS: (today - timedelta(days=29), today),
        Preset.WEEK: (monday, monday + timedelta(days=6)),
        Preset.LAST_WEEK: (monday - timedelta(days=7), monday - timedelta(days=1)),
        Preset.MONTH: (first_of_month, month_end(today)),
        Preset.LAST_MONTH: (previous_month_end.replace(day=1), previous_month_end),
        Preset.YEAR: (today.replace(month=1, day=1), today.replace(month=12, day=31)),
    }
    return presets.get(preset)


def resolve_period(
    preset: str | None = Preset.TODAY,
    start_date: date | None = None,
    end_date: date | None = None,
    now: datetime | None = None,
) -> Period:
    """The period for a preset, or for the custom range start_date..end_date (both included).

    Raises ValueError for an unknown preset or an incomplete, reversed or too long custom range.
    """
    today = local_today(now)
    preset = preset or Preset.TODAY
    days = _preset_days(preset, today)
    if days is not None:
        return days_period(*days, preset)
    if preset == Preset.CUSTOM:
        if start_date is None or end_date is None:
            raise ValueError("A custom range needs a start and an end date.")
        if end_date < start_date:
            raise ValueError("The end date is before the start date.")
        if (end_date - start_date).days + 1 > MAX_DAYS:
            raise ValueError(f"A custom range can cover at most {MAX_DAYS} days.")
        if start_date < FIRST_DAY or end_date > LAST_DAY:
            raise ValueError(f"A custom range lies between {FIRST_DAY} and {LAST_DAY}.")
        return days_period(start_date, end_date, preset)
    raise ValueError(f"Unknown period {preset!r}.")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        attrs = {"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat(), **(attrs or {})}
        super().__init__(attrs, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """The period selector (GET parameters `period`, `start`, `end`).

    Bound to request.GET. Invalid input gives form errors; `get_period()` then falls back to today.
    """

    period = forms.ChoiceField(label=_("Period"), choices=Preset.choices, required=False)
    start = forms.DateField(
        label=pgettext_lazy("date range", "From"), required=False, widget=DateInput
    )
    end = forms.DateField(label=pgettext_lazy("date range", "To"), required=False, widget=DateInput)

    def __init__(self, data=None, *args, now=None, **kwargs):
        # Only our own parameters count: the page's other parameters (sort) do not bind the form.
        if data is not None:
            data = {key: data.get(key) for key in ("period", "start", "end") if key in data}
        super().__init__(data or None, *args, **kwargs)
        self.now = now
        self._period = None

    def clean(self):
        cleaned = super().clean()
        preset = cleaned.get("period") or Preset.TODAY
        start, end = cleaned.get("start"), cleaned.get("end")
        if preset == Preset.CUSTOM:
            if "start" in self.errors or "end" in self.errors:
                return cleaned
            for name, day in (("start", start), ("end", end)):
                if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                    self.add_error(name, self._out_of_range_message())
                    return cleaned
            if start is None:
                self.add_error("start", _("Choose the first day of the range."))
            if end is None:
                self.add_error("end", _("Choose the last day of the range."))
            if start and end and end < start:
                self.add_error("end", _("The last day cannot be before the first day."))
                return cleaned
            if start and end and (end - start).days + 1 > MAX_DAYS:
                self.add_error(
                    None,
                    _("A custom range can cover at most %(days)d days.") % {"days": MAX_DAYS},
                )
                return cleaned
        if not self.errors:
            self._period = resolve_period(preset, start, end, now=self.now)
        return cleaned

    @staticmethod
    def _out_of_range_message() -> str:
        return _("Choose a day from %(first)s to %(last)s.") % {
            "first": date_format(FIRST_DAY, "DATE_FORMAT"),
            "last": date_format(LAST_DAY, "DATE_FORMAT"),
        }

    def get_period(self) -> Period:
        """The chosen period; today when nothing (or nothing valid) was chosen."""
        if self.is_bound and self.is_valid():
            return self._period
        return resolve_period(Preset.TODAY, now=self.now)
