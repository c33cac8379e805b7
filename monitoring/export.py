"""Calls as CSV or JSON Lines, streamed: the web export and ``manage.py export_calls`` use these.

Rows come from ``QuerySet.iterator(chunk_size=2000)``, so memory stays flat at a million rows.
Times are in the local time zone (settings.TIME_ZONE), ISO 8601 with the offset.
"""

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitoring.models import CALL_RECORD_FIELDS, CallStatus, Direction

CHUNK_SIZE = 2000
ROWS_PER_CHUNK = 500
# What a spreadsheet would run as a formula when a cell starts with it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

EXPORT_COLUMNS = [
    ("started_at", _("Start time")),
    ("direction", _("Direction")),
    ("from_number", _("From")),
    ("from_name", _("From name")),
    ("to_number", _("To")),
    ("to_name", _("To name")),
    ("extension", _("Extension")),
    ("status", _("Status")),
    ("total_seconds", _("Total, seconds")),
    ("talk_seconds", _("Talk, seconds")),
    ("wait_seconds", _("Wait, seconds")),
    ("pbx", _("PBX")),
]

JSONL_FIELDS = ["key", *CALL_RECORD_FIELDS, "first_seen_at", "last_seen_at", "raw"]
_TIMES = {"started_at", "first_seen_at", "last_seen_at"}


def local_iso(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


# A phone number such as +998901234567 cannot carry a formula: it is left as it is.
_PLAIN_NUMBER = re.compile(r"^\+?[0-9][0-9 ]*$")


def safe_cell(value):
    """Text a spreadsheet would take for a formula gets a leading apostrophe."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def _source_field(key: str) -> str:
    return "pbx__name" if key == "pbx" else key


def _rows(queryset, fields: list[str]) -> Iterator[tuple]:
    return queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)


def _chunked(lines: Iterable, write) -> Iterator[str]:
    buffer = io.StringIO()
    writer = write(buffer)
    for count, line in enumerate(lines, 1):
        writer(line)
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def iter_csv(queryset, *, bom: bool = True) -> Iterator[str]:
    """CSV text chunks: a header row, then one row per call (labels in the active language).

    ``bom`` starts the file with a UTF-8 byte order mark so that Excel reads Cyrillic names.
    """
    directions = {value: str(label) for value, label in Direction.choices}
    statuses = {value: str(label) for value, label in CallStatus.choices}
    keys = [key for key, _header in EXPORT_COLUMNS]

    def cells(row: tuple) -> list:
        values = dict(zip(keys, row, strict=True))
        values["started_at"] = local_iso(values["started_at"])
        values["direction"] = directions.get(values["direction"], values["direction"])
        values["status"] = statuses.get(values["status"], values["status"])
        return [safe_cell(values[key]) for key in keys]

    header = ("\ufeff" if bom else "") + _csv_line([str(h) for _key, h in EXPORT_COLUMNS])
    yield header
    rows = (cells(row) for row in _rows(queryset, [_source_field(k) for k in keys]))
    yield from _chunked(rows, lambda buffer: csv.writer(buffer, lineterminator="\r\n").writerow)


def _csv_line(cells: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def iter_jsonl(queryset) -> Iterator[str]:
    """JSON Lines chunks: every normalized field, the PBX's name, and under ``raw`` the Kerio
    record exactly as received."""
    fields = [*JSONL_FIELDS, "pbx__name"]

    def line(row: tuple) -> str:
        values = dict(zip(fields, row, strict=True))
        for name in _TIMES:
            values[name] = local_iso(values[name])
        values["pbx"] = values.pop("pbx__name")
        return json.dumps(values, ensure_ascii=False) + "\n"

    lines = (line(row) for row in _rows(queryset, fields))
    yield from _chunked(lines, lambda buffer: buffer.write)
