"""No inbound calls for `silence_minutes` in working hours, at an hour that usually brings at
least `usual_calls`: the SIP trunk or the inbound route is probably down. One message when the
silence is noticed, one when an inbound call arrives again.

"Usually" is learned from the stored calls: the median, over the last `history_weeks` weeks, of
the inbound calls the PBX had in the same Tashkent weekday and hour (this Monday 10:00 to 11:00:
the Mondays 10:00 to 11:00 of the weeks before). A week without calls in that hour (a holiday, or
before the PBX was connected) counts as zero, so a new PBX stays quiet until it has history.
A PBX whose sync is behind is left to the health rule: calls it has not read are not silence.
Supervisors and administrators only.
"""

import statistics
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from alerts.models import Rule
from alerts.rules import incidents
from alerts.rules.incidents import Reading
from monitoring.callbacks.hours import Calendar
from monitoring.health import sync_max_age
from monitoring.models import Call, Direction, SyncState
from providers.models import PbxConnection

HOUR = timedelta(hours=1)


def last_inbound(pbx_ids, since: datetime, now: datetime) -> dict[int, datetime]:
    """Per PBX, its latest inbound call that started from `since` to `now`."""
    rows = (
        Call.objects.filter(
            pbx_id__in=pbx_ids,
            direction=Direction.INBOUND,
            started_at__gte=since,
            started_at__lte=now,
        )
        .values("pbx_id")
        .annotate(latest=Max("started_at"))
        .order_by()
    )
    return {row["pbx_id"]: row["latest"] for row in rows}


def usual_calls(pbx_id: int, now: datetime, weeks: int) -> float:
    """The median of the PBX's inbound calls in this weekday and hour over the weeks before."""
    hour = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    starts = [hour - timedelta(weeks=back) for back in range(1, weeks + 1)]
    in_hours = Q()
    counts = {}
    for number, start in enumerate(starts):
        within = Q(started_at__gte=start, started_at__lt=start + HOUR)
        in_hours |= within
        counts[f"week{number}"] = Count("id", filter=within)
    row = Call.objects.filter(in_hours, pbx_id=pbx_id, direction=Direction.INBOUND).aggregate(
        **counts
    )
    return statistics.median(row.values())


def _sync_fresh(pbx_ids, now: datetime) -> set[int]:
    return set(
        SyncState.objects.filter(
            pbx_id__in=pbx_ids, last_success_at__gte=now - sync_max_age()
        ).values_list("pbx_id", flat=True)
    )


def evaluate(rule: Rule, now: datetime) -> int:
    silence = timedelta(minutes=rule.silence_minutes)
    open_now = incidents.open_incidents(rule)
    pbxes = {pbx.pk: pbx.name for pbx in PbxConnection.objects.filter(enabled=True).only("name")}
    readings = {}
    # An open incident ends with the first inbound call after the silence began.
    for key, incident in open_now.items():
        pbx_id = int(key.removeprefix("pbx"))
        since = datetime.fromisoformat(incident.params["silent_since"])
        arrived = last_inbound([pbx_id], since + timedelta(microseconds=1), now).get(pbx_id)
        if arrived is None:
            readings[key] = Reading(red=True)
        else:
            readings[key] = Reading(
                red=False, fixed=True, params={"arrived_at": arrived.isoformat()}
            )
    # A new silence only in working hours, over a window the call center was open all along.
    calendar = Calendar.load()
    watched = [pbx_id for pbx_id in pbxes if f"pbx{pbx_id}" not in open_now]
    if watched and calendar.open_seconds(now - silence, now) >= silence.total_seconds():
        heard = last_inbound(watched, now - silence, now)
        quiet = [pbx_id for pbx_id in watched if pbx_id not in heard]
        for pbx_id in _sync_fresh(quiet, now) if quiet else ():
            usual = usual_calls(pbx_id, now, rule.history_weeks)
            if usual < rule.usual_calls:
                continue
            before = Call.objects.filter(
                pbx_id=pbx_id,
                direction=Direction.INBOUND,
                started_at__gte=now - timedelta(weeks=rule.history_weeks),
                started_at__lt=now - silence,
            ).aggregate(latest=Max("started_at"))["latest"]
            readings[f"pbx{pbx_id}"] = Reading(
                red=True,
                params={
                    "pbx": pbxes[pbx_id],
                    "minutes": rule.silence_minutes,
                    "usual": usual,
                    "weeks": rule.history_weeks,
                    "last_call_at": before.isoformat() if before else None,
                    "silent_since": (now - silence).isoformat(),
                },
            )
    return incidents.track(
        rule,
        now,
        readings,
        recovery=timedelta(0),
        opened="inbound_silence",
        resolved="inbound_resumed",
        incidents=open_now,
    )
