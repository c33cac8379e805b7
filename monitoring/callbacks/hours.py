"""Working hours and the calendar of non-working days, and the callback clock that counts them.

The week comes from `WorkingHours` (an administrator edits it; missing rows fall back to
`DEFAULT_HOURS`), the exceptions from `CalendarDay`, and Uzbekistan's fixed public holidays are
built in. A day's hours are in the local zone (settings.TIME_ZONE).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings

from monitoring.periods import local_zone

# Uzbekistan's fixed public holidays, (month, day): New Year, Women's Day, Navruz, Remembrance
# Day, Independence Day, Teachers' Day, Constitution Day.
FIXED_HOLIDAYS = ((1, 1), (3, 8), (3, 21), (5, 9), (9, 1), (10, 1), (12, 8))

NINE, SIX_PM, TWO_PM = time(9), time(18), time(14)
# Monday to Friday 09:00 to 18:00, Saturday 09:00 to 14:00, Sunday closed.
DEFAULT_HOURS = {0: (NINE, SIX_PM), 1: (NINE, SIX_PM), 2: (NINE, SIX_PM), 3: (NINE, SIX_PM),
                 4: (NINE, SIX_PM), 5: (NINE, TWO_PM), 6: None}  # fmt: skip
# How far ahead to look for the next opening before giving up (a calendar with no working day).
SEARCH_DAYS = 400


@dataclass
class Calendar:
    """The week's hours (weekday → (opens, closes) or None) and the days that differ from it
    (date → True for a working day, False for a day off)."""

    week: dict[int, tuple[time, time] | None] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    days: dict[date, bool] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Calendar":
        from monitoring.models import CalendarDay, WorkingHours

        week = dict(DEFAULT_HOURS)
        for row in WorkingHours.objects.all():
            opens_and_closes = row.opens and row.closes and row.opens < row.closes
            week[row.weekday] = (row.opens, row.closes) if opens_and_closes else None
        days = {
            day: kind == CalendarDay.Kind.WORKING
            for day, kind in CalendarDay.objects.values_list("date", "kind")
        }
        return cls(week, days)

    def hours_of(self, day: date) -> tuple[time, time] | None:
        """The day's (opens, closes), or None when closed all day."""
        working = self.days.get(day)
        if working is None:
            if (day.month, day.day) in FIXED_HOLIDAYS:
                return None
            return self.week.get(day.weekday())
        if not working:
            return None
        # A working day moved onto a day off keeps that weekday's hours if it has any, otherwise
        # those of the first working weekday.
        return self.week.get(day.weekday()) or next(
            (hours for _weekday, hours in sorted(self.week.items()) if hours), None
        )

    def _interval(self, day: date) -> tuple[datetime, datetime] | None:
        hours = self.hours_of(day)
        if hours is None:
            return None
        zone = local_zone()
        return datetime.combine(day, hours[0], zone), datetime.combine(day, hours[1], zone)

    def is_open(self, moment: datetime) -> bool:
        interval = self._interval(moment.astimezone(local_zone()).date())
        return interval is not None and interval[0] <= moment < interval[1]

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when open, else when the call center next opens."""
        day = moment.astimezone(local_zone()).date()
        for offset in range(SEARCH_DAYS):
            interval = self._interval(day + timedelta(days=offset))
            if interval is not None and moment < interval[1]:
                return max(moment, interval[0])
        return moment

    def working_back(self, moment: datetime, seconds: float) -> datetime:
        """The latest moment from which `seconds` of working time have passed by `moment`
        (`open_seconds(result, moment) == seconds`)."""
        if seconds <= 0:
            return moment
        day = moment.astimezone(local_zone()).date()
        left = seconds
        for offset in range(SEARCH_DAYS):
            interval = self._interval(day - timedelta(days=offset))
            if interval is None or interval[0] >= moment:
                continue
            end = min(interval[1], moment)
            length = (end - interval[0]).total_seconds()
            if length >= left:
                return end - timedelta(seconds=left)
            left -= length
        return moment - timedelta(days=SEARCH_DAYS)

    def open_seconds(self, start: datetime, end: datetime) -> int:
        """The working seconds between `start` and `end`.

        The first and last days are measured against their hours; the days between are counted by
        whole weeks, then corrected for the holidays and moved days among them, so a callback open
        for a year costs what one open for a week does.
        """
        if end <= start:
            return 0
        zone = local_zone()
        first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        total = sum(self._overlap(day, start, end) for day in {first, last})
        between = (last - first).days - 1
        if between <= 0:
            return int(total)
        weeks, rest = divmod(between, 7)
        after_weeks = first + timedelta(days=1 + weeks * 7)
        total += weeks * sum(self._weekly_seconds(weekday) for weekday in range(7))
        total += sum(self._weekly_seconds((after_weeks + timedelta(days=n)).weekday())
                     for n in range(rest))  # fmt: skip
        for day in self._exceptions(first + timedelta(days=1), last - timedelta(days=1)):
            total += self._day_seconds(day) - self._weekly_seconds(day.weekday())
        return int(total)

    def _overlap(self, day: date, start: datetime, end: datetime) -> float:
        interval = self._interval(day)
        if interval is None:
            return 0
        return max((min(end, interval[1]) - max(start, interval[0])).total_seconds(), 0)

    def _weekly_seconds(self, weekday: int) -> int:
        return _length(self.week.get(weekday))

    def _day_seconds(self, day: date) -> int:
        return _length(self.hours_of(day))

    def _exceptions(self, first: date, last: date) -> set[date]:
        """The days from `first` to `last` whose hours may differ from their weekday's."""
        days = {day for day in self.days if first <= day <= last}
        for year in range(first.year, last.year + 1):
            for month, day_of_month in FIXED_HOLIDAYS:
                holiday = date(year, month, day_of_month)
                if first <= holiday <= last:
                    days.add(holiday)
        return days


def _length(hours: tuple[time, time] | None) -> int:
    if hours is None:
        return 0
    opens, closes = hours
    return (closes.hour - opens.hour) * 3600 + (closes.minute - opens.minute) * 60 + (
        closes.second - opens.second)  # fmt: skip


class Clock:
    """The callback clock: business hours only (settings.CALLBACK_BUSINESS_HOURS_ONLY, the
    default) or the wall clock."""

    def __init__(self, calendar: Calendar | None = None, business_hours_only: bool | None = None):
        self.calendar = calendar if calendar is not None else Calendar.load()
        if business_hours_only is None:
            business_hours_only = settings.CALLBACK_BUSINESS_HOURS_ONLY
        self.business_hours_only = business_hours_only

    def starts_at(self, missed_at: datetime) -> datetime:
        """When the clock of a call missed at `missed_at` starts: at the next opening."""
        if not self.business_hours_only:
            return missed_at
        return self.calendar.next_opening(missed_at)

    def started_by(self, moment: datetime, seconds: float) -> datetime:
        """The latest clock start whose clock shows `seconds` at `moment`: a clock that started
        at or before it has run at least that long."""
        if not self.business_hours_only:
            return moment - timedelta(seconds=seconds)
        return self.calendar.working_back(moment, seconds)

    def seconds(self, start: datetime, end: datetime) -> int:
        if not self.business_hours_only:
            return max(int((end - start).total_seconds()), 0)
        return self.calendar.open_seconds(start, end)
