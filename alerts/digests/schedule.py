"""When a digest is due and which days it covers, on the Tashkent clock.

The daily digest covers its day from midnight up to its time (18:30 by default), against the same
hours of the same weekday a week before; set to 00:00 it covers the whole day before. The weekly
digest (Monday 09:00 by default) covers the seven days before its day, against the seven before
those. A digest the worker could not send at its time is sent when the worker is back, once,
within DIGEST_CATCH_UP_HOURS (the weekly one all that day); later it is skipped — figures of a
past evening arriving the next morning are noise, and the next digest comes anyway.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from alerts.models import Rule
from monitoring.periods import Period, local_zone

DEFAULT_TIMES = {Rule.Kind.DAILY_DIGEST: time(18, 30), Rule.Kind.WEEKLY_DIGEST: time(9, 0)}
KINDS = tuple(DEFAULT_TIMES)
WEEK = timedelta(days=7)


def send_time(rule: Rule) -> time:
    return rule.digest_time or DEFAULT_TIMES[rule.kind]


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=local_zone())


def last_moment(rule: Rule, now: datetime) -> datetime:
    """The digest's latest scheduled moment at or before `now` (aware, local zone)."""
    local = timezone.localtime(now, local_zone())
    at = send_time(rule)
    day = local.date()
    if rule.kind == Rule.Kind.WEEKLY_DIGEST:
        day -= timedelta(days=(day.isoweekday() - rule.digest_weekday) % 7)
        if _at(day, at) > local:
            day -= WEEK
    elif _at(day, at) > local:
        day -= timedelta(days=1)
    return _at(day, at)


def catch_up(rule: Rule) -> timedelta:
    if rule.kind == Rule.Kind.WEEKLY_DIGEST:
        return timedelta(hours=max(settings.DIGEST_CATCH_UP_HOURS, 24))
    return timedelta(hours=settings.DIGEST_CATCH_UP_HOURS)


def due_moment(rule: Rule, now: datetime) -> datetime | None:
    """The scheduled moment to send now, if any: reached, not too long ago, and after the rule
    was switched on (switching it on does not send the past's digests)."""
    moment = last_moment(rule, now)
    if now - moment >= catch_up(rule):
        return None
    if rule.enabled_at is None or moment < rule.enabled_at:
        return None
    return moment


def event_key(kind: str, moment: datetime) -> str:
    """One digest per kind and local date: a restarted beat or worker finds it queued."""
    return f"{kind}:{timezone.localtime(moment, local_zone()).date().isoformat()}"


@dataclass(frozen=True)
class Span:
    """The covered period [start, end) and the one it is compared with, as stored in params."""

    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime

    def params(self) -> dict:
        return {name: getattr(self, name).isoformat() for name in
                ("start", "end", "previous_start", "previous_end")}  # fmt: skip

    @classmethod
    def from_params(cls, params: dict) -> "Span":
        return cls(**{name: datetime.fromisoformat(params[name]) for name in
                      ("start", "end", "previous_start", "previous_end")})  # fmt: skip


def span(kind: str, moment: datetime) -> Span:
    local = timezone.localtime(moment, local_zone())
    if kind == Rule.Kind.WEEKLY_DIGEST:
        end = _at(local.date(), time.min)
        start = _at(local.date() - WEEK, time.min)
        return Span(start, end, _at(local.date() - 2 * WEEK, time.min), start)
    day = local.date() if local.time() != time.min else local.date() - timedelta(days=1)
    start = _at(day, time.min)
    end = local
    return Span(start, end, _at(day - WEEK, time.min), _at(end.date() - WEEK, end.time()))


def period(start: datetime, end: datetime) -> Period:
    """A monitoring Period over [start, end) (its days: the local days it touches)."""
    zone = local_zone()
    first = timezone.localtime(start, zone).date()
    last = timezone.localtime(end - timedelta(microseconds=1), zone).date()
    return Period(start=start, end=end, label="", first_day=first, last_day=last)
