"""A call's recording on Kerio Operator: finding it, and streaming it through this server.

Kerio keeps recordings apart from the call history, with no link between the two. A recording
belongs to a call when it started at the call's start (or when the call was answered, which is
when recording begins: Kerio does not say which STARTED means) give or take
``RECORDING_MATCH_SECONDS``, read in the PBX's clock, and its extension or caller ID is one of
the call's parties. The lookup asks Kerio for the recordings of the call's extension, newest first,
and reads back only as far as the call's start; its answer is cached so the detail page and the
audio request ask Kerio once.
"""

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from monitoring import optional_cache
from monitoring.models import Call
from monitoring.numbers import national_number
from providers.kerio import KerioClient, KerioError
from providers.kerio.clock import pbx_instant
from providers.kerio.values import as_number, as_whole
from providers.page_calls import PbxSlow, check_deadline, page_call, page_deadline, page_settings
from providers.session_keeper import keeper_for

logger = logging.getLogger(__name__)

# A file name goes into a header: anything but these characters becomes "_".
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._+-]")
# A media type as "audio/<subtype>", without parameters; nothing else plays in the page.
_AUDIO_TYPE = re.compile(r"audio/[a-z0-9][a-z0-9.+-]{0,63}")
ATTACHMENT_TYPE = "application/octet-stream"

# Recordings asked for per request, and the most requests one lookup makes.
PAGE_SIZE = 100
MAX_PAGES = 20
CACHE_FOUND_SECONDS = 60 * 60
# A recording may still be written when the call has just ended: look again soon.
CACHE_MISSING_SECONDS = 5 * 60


class RecordingUnavailable(Exception):
    """Kerio could not be asked (down, wrong password…); `user_message` says so in plain words."""

    def __init__(self, user_message):
        self.user_message = user_message
        super().__init__(str(user_message))


@dataclass(frozen=True)
class Recording:
    id: str
    name: str
    started_at: datetime
    duration: int | None
    extension: str
    caller_id: str


def safe_filename(name: str, fallback: str) -> str:
    """`name` with only letters, digits and ``._+-`` (others become "_"); `fallback` when
    nothing of it is left. Fit for a Content-Disposition header as it is."""
    safe = _SAFE_FILENAME.sub("_", name or "").strip("._")[:120]
    return safe or fallback


def audio_type(content_type: str) -> str | None:
    """The audio media type the PBX announced, or None when it announced anything else."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media if _AUDIO_TYPE.fullmatch(media) else None


@dataclass
class RecordingStream:
    """An open download: iterate `chunks()` once; the Kerio session ends when it is exhausted.

    Only audio plays in the page: what the PBX calls something else (a PBX reached without
    TLS verification, or taken over, may answer a page of scripts) is served as a file to
    download, never rendered on our origin.
    """

    filename: str
    content_type: str
    content_length: int | None
    _client: KerioClient
    _download: object

    @property
    def playable(self) -> bool:
        return self.content_type != ATTACHMENT_TYPE

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self._download.iter_bytes()
        finally:
            self._download.close()
            self._client.close()


def _tolerance() -> int:
    return settings.RECORDING_MATCH_SECONDS


def _started(item: dict, zone_name: str) -> float | None:
    """A recording's STARTED as a true epoch (the PBX may write its local time)."""
    epoch = as_number(item.get("STARTED"))
    if epoch is None:
        return None
    try:
        return pbx_instant(epoch, zone_name).timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def _client(call: Call) -> KerioClient:
    """A client on the PBX's kept session, under its login guard, with a page's short timeout
    and no retries."""
    return KerioClient(page_settings(call.pbx), keeper=keeper_for(call.pbx))


def _parties(call: Call) -> set[str]:
    numbers = (call.from_number, call.to_number, call.extension, call.external_number)
    return {national_number(number) for number in numbers} - {""}


def _conditions(call: Call) -> list[dict] | None:
    """Narrow the search on the server: by extension, else by the caller's number."""
    if call.extension:
        return [{"fieldName": "EXTENSION", "comparator": "Eq", "value": call.extension}]
    number = call.from_number or call.to_number
    if number:
        return [{"fieldName": "CALLER_ID", "comparator": "Eq", "value": number}]
    return None


def match_recording(call: Call, items: list[dict]) -> Recording | None:
    """The recording among Kerio's `items` that belongs to `call`, the closest in time."""
    start = call.started_at.timestamp()
    moments = (start, start + call.wait_seconds)
    parties = _parties(call)
    zone_name = call.pbx.timestamps_timezone
    best, best_gap = None, None
    for item in items:
        if not isinstance(item, dict):
            continue
        started = _started(item, zone_name)
        if started is None or item.get("ID") in (None, ""):
            continue
        gap = min(abs(started - moment) for moment in moments)
        if gap > _tolerance():
            continue
        extension = str(item.get("EXTENSION") or "")
        caller = str(item.get("CALLER_ID") or "")
        if not {national_number(extension), national_number(caller)} & parties:
            continue
        if best_gap is None or gap < best_gap:
            best_gap = gap
            best = Recording(
                id=str(item["ID"]),
                name=str(item.get("NAME") or ""),
                started_at=datetime.fromtimestamp(started, UTC),
                duration=max(as_whole(item.get("DURATION")) or 0, 0) or None,
                extension=extension,
                caller_id=caller,
            )
    return best


def search_recording(
    call: Call, client: KerioClient, deadline: float | None = None
) -> Recording | None:
    """Ask Kerio page by page (newest first) until the pages are older than the call; PbxSlow
    when `deadline` (time.monotonic()) passes first."""
    conditions = _conditions(call)
    if conditions is None:
        return None
    oldest_wanted = call.started_at.timestamp() - _tolerance()
    zone_name = call.pbx.timestamps_timezone
    for page in range(MAX_PAGES):
        check_deadline(deadline)
        items = client.recordings(start=page * PAGE_SIZE, limit=PAGE_SIZE, conditions=conditions)
        found = match_recording(call, items)
        if found is not None:
            return found
        times = [
            t
            for t in (_started(item, zone_name) for item in items if isinstance(item, dict))
            if t is not None
        ]
        if len(items) < PAGE_SIZE or not times or min(times) < oldest_wanted:
            return None
    return None


def _cache_key(call: Call) -> str:
    return f"call-recording:{call.pbx_id}:{call.pk}"


def find_recording(call: Call) -> Recording | None:
    """The call's recording (cached), or None; RecordingUnavailable when Kerio cannot be asked."""
    cached = optional_cache.get(_cache_key(call))
    if cached is not None:
        return cached or None
    if not call.pbx.enabled:
        raise RecordingUnavailable(_("The connection to this PBX is turned off in the settings."))
    try:
        with page_call(call.pbx), _client(call) as client:
            recording = search_recording(call, client, page_deadline())
    except PbxSlow as exc:
        raise RecordingUnavailable(exc.user_message) from exc
    except KerioError as exc:
        logger.warning("Recording lookup for call %s failed: %s", call.pk, exc)
        raise RecordingUnavailable(exc.user_message) from exc
    if recording is None:
        optional_cache.set(_cache_key(call), "", CACHE_MISSING_SECONDS)
    else:
        optional_cache.set(_cache_key(call), recording, CACHE_FOUND_SECONDS)
    return recording


def open_recording(call: Call) -> RecordingStream | None:
    """Open the call's recording for streaming, or None when there is none."""
    recording = find_recording(call)
    if recording is None:
        return None
    client = _client(call)
    try:
        with page_call(call.pbx):
            download = client.download_recording(recording.id)
    except PbxSlow as exc:
        client.close()
        raise RecordingUnavailable(exc.user_message) from exc
    except KerioError as exc:
        client.close()
        logger.warning("Recording download for call %s failed: %s", call.pk, exc)
        raise RecordingUnavailable(exc.user_message) from exc
    filename = safe_filename(download.name or recording.name, f"call-{call.pk}")
    return RecordingStream(
        filename=filename,
        content_type=audio_type(download.content_type) or ATTACHMENT_TYPE,
        content_length=download.content_length,
        _client=client,
        _download=download,
    )
