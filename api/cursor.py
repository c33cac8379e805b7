"""The calls' cursor: the position after the last call of a page, in the order newest first
(-started_at, -id). The next page starts strictly after it, so a call is listed once however many
calls arrive between two pages (new calls land before the cursor, not after it)."""

import base64
import binascii
from datetime import datetime

from django.db.models import Q


class BadCursor(ValueError):
    pass


def encode(started_at: datetime, pk: int) -> str:
    text = f"{started_at.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, _bar, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition("|")
        started_at = datetime.fromisoformat(moment)
        if started_at.tzinfo is None:
            raise BadCursor(cursor)
        return started_at, int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor(cursor) from exc


def after(cursor: str) -> Q:
    """The calls after the cursor's position, newest first."""
    started_at, pk = decode(cursor)
    return Q(started_at__lt=started_at) | Q(started_at=started_at, id__lt=pk)
