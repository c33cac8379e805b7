"""The PBX's clock: reading its epoch timestamps, and noticing when they disagree with ours.

Kerio's TIMESTAMP is documented nowhere as UTC. A box that writes local-time epochs (the wall
clock of its zone read as if it were UTC) puts every call hours off. The connection's "time zone
of the PBX's timestamps" says how to read them: ``UTC`` reads them as true epochs; a zone such as
``Asia/Tashkent`` reads them as that zone's wall clock.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

UTC_NAME = "UTC"
# How far the PBX's clock may run from ours before the product says so.
TOLERANCE = dt.timedelta(minutes=5)


def zone(name: str | None) -> dt.tzinfo:
    """The tzinfo of an IANA name ("" and unknown names read as UTC)."""
    if not name or name == UTC_NAME:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def is_known_zone(name: str) -> bool:
    return name == UTC_NAME or name in available_timezones()


def pbx_instant(epoch: float, zone_name: str | None) -> dt.datetime:
    """The true instant (aware, UTC) of a PBX timestamp read in the PBX's zone."""
    naive_or_utc = dt.datetime.fromtimestamp(epoch, dt.UTC)
    tz = zone(zone_name)
    if tz is dt.UTC:
        return naive_or_utc
    wall = naive_or_utc.replace(tzinfo=None)
    return wall.replace(tzinfo=tz).astimezone(dt.UTC)


def pbx_epoch(instant: dt.datetime, zone_name: str | None) -> float:
    """The inverse of ``pbx_instant``: what the PBX writes for this instant."""
    tz = zone(zone_name)
    if tz is dt.UTC:
        return instant.timestamp()
    wall = instant.astimezone(tz).replace(tzinfo=None)
    return wall.replace(tzinfo=dt.UTC).timestamp()


def _offset_text(delta: dt.timedelta) -> str:
    minutes = round(abs(delta.total_seconds()) / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}"


def _interpolate(message, params: dict) -> str:
    return str(message) % params


_format = lazy(_interpolate, str)


@dataclass(frozen=True)
class ClockWarning:
    """The PBX and this server disagree about the time. ``code`` and ``params`` are what is
    stored; ``message`` says it in the reader's language."""

    code: str
    params: dict

    @property
    def message(self):
        return clock_message(self.code, self.params)


def clock_message(code: str, params: dict):
    if code == "future":
        return _format(
            _(
                "The newest call in the PBX's history starts %(offset)s hours after this "
                "server's clock. The PBX probably writes its timestamps in local time: set "
                "“Time zone of the PBX's timestamps” in the connection's settings to the PBX's "
                "zone (currently %(zone)s; for Tashkent it is Asia/Tashkent)."
            ),
            params,
        )
    return _("The PBX's clock disagrees with this server's clock.")


def newest_record_warning(
    epoch: float | None, zone_name: str | None, now: dt.datetime
) -> ClockWarning | None:
    """A warning when the newest history record, read in the PBX's zone, starts in the future.

    Calls enter the history when they end, stamped with their start: none may start after now.
    """
    if epoch is None:
        return None
    ahead = pbx_instant(epoch, zone_name) - now
    if ahead <= TOLERANCE:
        return None
    return ClockWarning("future", {"offset": _offset_text(ahead), "zone": zone_name or UTC_NAME})
