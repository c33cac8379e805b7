"""The PBX's extension directory: which numbers are inside the PBX.

The sync needs it to tell a call's direction and extension, the live poll to do the same for the
calls in progress. Both load it here, with one rule: a copy read from the PBX within the last
``DIRECTORY_FRESH_SECONDS`` is used as it is; an older one is read again; when the PBX refuses
the list, the last copy known (kept ``DIRECTORY_KEEP_SECONDS``) is used, else the connection's
number pattern alone.

Why this rule: the live poll runs every few seconds with a short timeout, so reading the list at
every poll would double its requests for a list that changes a few times a year; the sync stores
what it derives from the list, so it must not run on a copy hours old. A minute bounds both: the
stored direction follows a change in the list within a minute (and each run re-reads the recent
history, rewriting the calls it classifies differently), and the PBX is asked for the list at
most once a minute whatever polls.
"""

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from monitoring import optional_cache
from monitoring.numbers import normalize_number
from providers.directory import store_directory
from providers.kerio import ApiError, KerioClient
from providers.models import PbxConnection

logger = logging.getLogger(__name__)

DIRECTORY_FRESH_SECONDS = 60
DIRECTORY_KEEP_SECONDS = 6 * 60 * 60
# Directory entry types that are not a party inside the PBX (an outbound route is a dial prefix).
NOT_INTERNAL_TYPES = frozenset({3})


@dataclass(frozen=True)
class Directory:
    """What counts as internal on one PBX: its directory numbers, else the fallback pattern."""

    numbers: frozenset[str] = field(default_factory=frozenset)
    pattern: re.Pattern | None = None

    @classmethod
    def build(cls, entries: Iterable[dict] | None, pattern: str = "") -> "Directory":
        """From Kerio's numberList (TEL_NUM, EXTENSION_TYPE_ID) and the connection's pattern.

        Lines, queues, IVRs, voicemail and the like are all internal; unusable entries are
        skipped.
        """
        numbers = set()
        for entry in entries or ():
            if not isinstance(entry, dict):
                continue
            kind = _as_int(entry.get("EXTENSION_TYPE_ID"))
            number = normalize_number(entry.get("TEL_NUM"))
            if number and kind not in NOT_INTERNAL_TYPES:
                numbers.add(number)
        try:
            compiled = re.compile(pattern) if pattern else None
        except re.error:
            compiled = None
        return cls(frozenset(numbers), compiled)

    def is_internal(self, normalized: str) -> bool:
        if not normalized:
            return False
        if normalized in self.numbers:
            return True
        return (
            self.pattern is not None
            and not normalized.startswith("+")
            and self.pattern.search(normalized) is not None
        )


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def cache_key(pbx_id: int) -> str:
    return f"kerio-extensions:{pbx_id}"


def load_directory(client: KerioClient, pbx: PbxConnection) -> Directory:
    """The PBX's directory by the rule above; never raises for a refused list."""
    key = cache_key(pbx.pk)
    kept = optional_cache.get(key)
    if kept is not None and time.time() - kept["read_at"] < DIRECTORY_FRESH_SECONDS:
        return Directory.build(kept["entries"], pbx.internal_number_pattern)
    try:
        entries = client.extensions()
    except ApiError as exc:
        logger.warning("%s: extension list unavailable (%s); using the last one known", pbx, exc)
        entries = kept["entries"] if kept is not None else []
    else:
        optional_cache.set(
            key, {"entries": entries, "read_at": time.time()}, DIRECTORY_KEEP_SECONDS
        )
        # Kept in the database too, for the pages that name extensions (agents, users).
        store_directory(pbx, entries)
    return Directory.build(entries, pbx.internal_number_pattern)
