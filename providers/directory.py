"""The PBX's directory as stored here: kept up to date by the sync, read by the pages that name
extensions (the agents table, the users page's extension picker)."""

from django.db import transaction
from django.utils import timezone

from providers.models import DirectoryEntry, PbxConnection


def _entry(raw) -> tuple[str, str, int | None] | None:
    if not isinstance(raw, dict):
        return None
    number = str(raw.get("TEL_NUM") or "").strip()[:32]
    if not number:
        return None
    try:
        kind = int(raw.get("EXTENSION_TYPE_ID"))
    except (TypeError, ValueError):
        kind = None
    return number, str(raw.get("DESCRIPTION") or "").strip()[:255], kind


@transaction.atomic
def store_directory(pbx: PbxConnection, entries: list) -> int:
    """Replace the stored directory of `pbx` with Kerio's numberList; returns how many numbers
    it holds. Unusable entries are skipped; a number listed twice keeps its first entry."""
    now = timezone.now()
    rows = {}
    for raw in entries or ():
        entry = _entry(raw)
        if entry is not None and entry[0] not in rows:
            rows[entry[0]] = entry
    DirectoryEntry.objects.filter(pbx=pbx).exclude(number__in=list(rows)).delete()
    DirectoryEntry.objects.bulk_create(
        [
            DirectoryEntry(pbx=pbx, number=number, name=name, kind=kind, seen_at=now)
            for number, name, kind in rows.values()
        ],
        update_conflicts=True,
        unique_fields=["pbx", "number"],
        update_fields=["name", "kind", "seen_at"],
    )
    return len(rows)


def directory_of(pbx_ids=None, *, kind=None) -> dict[str, DirectoryEntry]:
    """Number → entry over the given PBXes (all by default), optionally of one kind; where
    several PBXes list a number, the first by name wins."""
    entries = DirectoryEntry.objects.order_by("-pbx__name", "number")
    if pbx_ids is not None:
        entries = entries.filter(pbx_id__in=pbx_ids)
    if kind is not None:
        entries = entries.filter(kind=kind)
    return {entry.number: entry for entry in entries}


def people() -> list[DirectoryEntry]:
    """Every person's line (extension) each PBX lists, by PBX name then number: the extensions
    an operator can be given."""
    lines = DirectoryEntry.objects.filter(kind=DirectoryEntry.Kind.LINE).select_related("pbx")
    return sorted(lines, key=lambda entry: (entry.pbx.name, len(entry.number), entry.number))
