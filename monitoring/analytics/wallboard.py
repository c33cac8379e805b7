"""The wallboard's figures: what is happening now and how today is going, each with its colour.

Now: the calls in progress (connected) and the callers waiting (inbound calls ringing) of every
enabled PBX's live snapshot, with the longest wait among them; a PBX whose snapshot is not fresh
is named instead (its calls are not known). Today (local day): inbound answered and missed and
the service level, from the hourly rollup (rollups.figures.summary); and the callbacks
still open in the callback queue.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from monitoring.analytics.models import WallboardSettings
from monitoring.live import CONNECTED, RINGING
from monitoring.models import Callback, CallbackState, Direction
from monitoring.periods import Preset, resolve_period
from monitoring.rollups import figures as rollup_figures
from providers.models import PbxConnection

GOOD, WARN, BAD, NEUTRAL = "good", "warn", "bad", ""


def tone_up(value, good, warn) -> str:
    """The colour of a figure where more is better (service level)."""
    if value is None:
        return NEUTRAL
    if value >= good:
        return GOOD
    return WARN if value >= warn else BAD


def tone_down(value, warn, bad) -> str:
    """The colour of a figure where less is better (waiting callers, wait, missed)."""
    if value is None:
        return NEUTRAL
    if value >= bad:
        return BAD
    return WARN if value >= warn else GOOD


@dataclass
class Figures:
    in_progress: int = 0
    waiting: int = 0
    longest_wait: int | None = None  # seconds, of the callers waiting now
    answered: int = 0
    missed: int = 0
    service_level: float | None = None
    service_level_seconds: int = 20
    open_callbacks: int = 0
    stale_pbxes: list[str] = field(default_factory=list)
    tones: dict[str, str] = field(default_factory=dict)


def open_callbacks_count() -> int:
    """The callbacks still to be made, on every PBX (the `callback_state_clock` index)."""
    return Callback.objects.filter(state=CallbackState.OPEN).count()


def live_now(now: datetime) -> tuple[int, int, int | None, list[str]]:
    """(in progress, waiting, longest wait in seconds, names of PBXes without fresh data)."""
    in_progress = waiting = 0
    longest = None
    stale = []
    pbxes = (
        PbxConnection.objects.filter(enabled=True)
        .select_related("live")
        .prefetch_related("live__calls")
        .order_by("name")
    )
    for pbx in pbxes:
        snapshot = getattr(pbx, "live", None)
        if snapshot is None or not snapshot.is_fresh(now):
            stale.append(pbx.name)
            continue
        elapsed = max(int((now - snapshot.taken_at).total_seconds()), 0)
        for call in snapshot.calls.all():
            if call.state_key == CONNECTED:
                in_progress += 1
            elif call.state_key == RINGING and call.direction == Direction.INBOUND:
                waiting += 1
                seconds = call.total_seconds + elapsed
                longest = seconds if longest is None else max(longest, seconds)
    return in_progress, waiting, longest, stale


def wallboard_figures(
    calls: QuerySet | None = None, now: datetime | None = None, thresholds=None
) -> Figures:
    """The wallboard's figures at `now` over `calls` (default: all), coloured by `thresholds`
    (default: the administrator's WallboardSettings)."""
    now = now or timezone.now()
    limits = thresholds or WallboardSettings.current()
    in_progress, waiting, longest, stale = live_now(now)
    today = rollup_figures.summary(resolve_period(Preset.TODAY, now=now), calls)
    figures = Figures(
        in_progress=in_progress,
        waiting=waiting,
        longest_wait=longest,
        answered=today.inbound_answered,
        missed=today.inbound_missed,
        service_level=today.service_level,
        service_level_seconds=today.service_level_seconds,
        open_callbacks=open_callbacks_count(),
        stale_pbxes=stale,
    )
    figures.tones = {
        "waiting": tone_down(waiting, limits.waiting_warn, limits.waiting_bad),
        "longest_wait": tone_down(longest or 0, limits.wait_warn_seconds, limits.wait_bad_seconds),
        "missed": tone_down(figures.missed, limits.missed_warn, limits.missed_bad),
        "service_level": tone_up(
            figures.service_level, limits.service_level_good, limits.service_level_warn
        ),
    }
    return figures
