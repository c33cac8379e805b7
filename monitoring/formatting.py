"""Numbers and moments for humans: call durations as m:ss / h:mm:ss, moments as "5 minutes ago"
or a local clock time, and the mark shown where a value is unknown.

Plain functions: views, health checks and the template filters (templatetags/monitoring_format.py)
all use these.
"""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.timesince import timesince
from django.utils.translation import gettext

EMPTY = "—"


def duration(value) -> str:
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


def ago(value, now=None) -> str:
    """How long ago a moment was, in words of the current language ("3 minutes ago")."""
    if not isinstance(value, datetime):
        return EMPTY
    now = now or timezone.now()
    if now - value < timedelta(minutes=1):
        return gettext("just now")
    return gettext("%(time)s ago") % {"time": timesince(value, now, depth=1)}


def local_time(moment: datetime) -> str:
    """A moment on the local clock: "14:05" today, "03.03.2025 14:05" on another day."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return time_format(local, "H:i")
    return f"{local:%d.%m.%Y} {time_format(local, 'H:i')}"
