"""The live-call snapshot: what is ringing and talking on each PBX right now.

Polled every few seconds; each poll replaces the PBX's LiveCall rows at once. A failed poll keeps
the last picture and marks it stale, so the dashboard can say "no data since HH:MM".
"""

import dataclasses
import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from monitoring.directory import Directory, load_directory
from monitoring.models import LiveCall, LiveSnapshot
from monitoring.numbers import normalize_number
from monitoring.sync.normalize import classify, storable
from providers.kerio import KerioClient, KerioError, LoginsPaused
from providers.kerio.values import as_code, as_whole
from providers.messages import from_error
from providers.models import PbxConnection
from providers.session_keeper import keeper_for

logger = logging.getLogger(__name__)

# A poll must be quick: the next one is due in seconds, and a stale mark says more than a wait.
LIVE_TIMEOUT_SECONDS = 5.0
RINGING, CONNECTED = "ringing", "talking"


def _seconds(value) -> int:
    seconds = as_whole(value)
    return min(max(seconds, 0), 2**31 - 1) if seconds is not None else 0


def _party(value) -> tuple[str, str]:
    """(number, name) of a live call's FROM or TO, which may be an object or a bare number."""
    if isinstance(value, dict):
        number, name = value.get("NUMBER"), value.get("NAME")
    else:
        number, name = value, None
    number = "" if number is None or isinstance(number, dict | list) else str(number)
    name = "" if name is None or isinstance(name, dict | list) else str(name)
    # PostgreSQL stores no NUL character.
    number, name = number.replace("\x00", "").strip(), name.replace("\x00", "").strip()
    return number[:100], name[:255]


def live_call(raw: dict, directory: Directory, now: dt.datetime) -> LiveCall:
    """One entry of Status.getCalls as a LiveCall (not saved). Live STATUS codes are not
    documented: the code is kept raw and the state comes from ANSWERED_DURATION."""
    from_number, from_name = _party(raw.get("FROM"))
    to_number, to_name = _party(raw.get("TO"))
    direction, extension, _external = classify(
        normalize_number(from_number), normalize_number(to_number), directory
    )
    total = _seconds(raw.get("CALL_DURATION"))
    talk = _seconds(raw.get("ANSWERED_DURATION"))
    return LiveCall(
        from_number=from_number,
        from_name=from_name,
        to_number=to_number,
        to_name=to_name,
        extension=extension[:32],
        direction=direction,
        state=CONNECTED if talk > 0 else RINGING,
        status_code=as_code(raw.get("STATUS")),
        total_seconds=total,
        talk_seconds=talk,
        started_at=now - dt.timedelta(seconds=total),
        raw=storable(raw),
    )


def poll_live_calls(pbx: PbxConnection) -> LiveSnapshot:
    """Read the calls in progress and replace the PBX's snapshot; never raises a Kerio error.

    On failure the old calls stay, with ``is_stale`` set and the plain-words ``error``.
    """
    snapshot, _created = LiveSnapshot.objects.get_or_create(pbx=pbx)
    settings = dataclasses.replace(
        pbx.connection_settings(),
        timeout=min(float(pbx.timeout_seconds), LIVE_TIMEOUT_SECONDS),
        retries=0,
    )
    try:
        # The PBX's kept session: one login per session, not one per poll.
        with KerioClient(settings, keeper=keeper_for(pbx)) as client:
            calls = client.active_calls()
            directory = load_directory(client, pbx)
    except KerioError as exc:
        # Paused logins are said once, by the keeper and the banner, not every few seconds.
        level = logging.DEBUG if isinstance(exc, LoginsPaused) else logging.WARNING
        logger.log(level, "%s: live calls could not be read: %s", pbx, exc)
        snapshot.is_stale = True
        snapshot.error = from_error(exc)
        snapshot.error_at = timezone.now()
        snapshot.save(update_fields=["is_stale", "error", "error_at"])
        return snapshot

    now = timezone.now()
    rows = [live_call(raw, directory, now) for raw in calls if isinstance(raw, dict)]
    with transaction.atomic():
        LiveCall.objects.filter(snapshot=snapshot).delete()
        for row in rows:
            row.snapshot = snapshot
        LiveCall.objects.bulk_create(rows)
        snapshot.taken_at = now
        snapshot.is_stale = False
        snapshot.error = ""
        snapshot.error_at = None
        snapshot.save(update_fields=["taken_at", "is_stale", "error", "error_at"])
    return snapshot
