"""Numbers and moments for humans: call durations as m:ss / h:mm:ss, moments as "5 minutes ago"
or a local clock time, the mark shown where a value is unknown, and names and numbers from the
PBX without the characters that would reorder the text around them.

Plain functions: views, health checks and the template filters (templatetags/monitoring_format.py)
all use these.
"""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import time_format
from django.utils.timesince import timesince
from django.utils.translation import gettext

EMPTY = "—"

# Bidirectional controls: the embeddings, overrides and isolates, and the invisible direction
# marks. "\u202e" turns "+998 90 ... evil.exe" around as it is read; none belongs in a number,
# and a name reads the same without them.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_WITHOUT_BIDI = str.maketrans(dict.fromkeys(BIDI_CONTROLS))
_BIDI_ESCAPED = str.maketrans({char: f"\\u{ord(char):04x}" for char in BIDI_CONTROLS})


def neutral(value):
    """A name or number from the PBX as shown and exported: without bidirectional controls.
    Anything but text is returned as it is."""
    return value.translate(_WITHOUT_BIDI) if isinstance(value, str) else value


def bidi_escaped(text: str) -> str:
    """JSON text with each bidirectional control written as its \\u escape (still the same
    JSON): the raw record is shown as it came, and read in the order it came."""
    return text.translate(_BIDI_ESCAPED)


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
