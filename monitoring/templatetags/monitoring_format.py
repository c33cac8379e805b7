"""Numbers for humans: call durations as m:ss / h:mm:ss, moments as "5 minutes ago"."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

register = template.Library()

EMPTY = "—"


@register.filter
def duration(value):
    """Seconds (or a timedelta) as m:ss under an hour, h:mm:ss above; "—" when unknown."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, timedelta):
        value = value.total_seconds()
    try:
        seconds = round(float(value))
    except (TypeError, ValueError):
        return EMPTY
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes}:{seconds:02d}"


@register.filter
def ago(value, now=None):
    """How long ago a moment was, in words of the current language ("3 minutes ago")."""
    if not isinstance(value, datetime):
        return EMPTY
    now = now or timezone.now()
    if now - value < timedelta(minutes=1):
        return gettext("just now")
    return gettext("%(time)s ago") % {"time": timesince(value, now, depth=1)}
