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

from monitoring.formatting import neutral
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
    ("line", _("Line dialled")),
]

JSONL_FIELDS = ["key", *CALL_RECORD_FIELDS, "first_seen_at", "last_seen_at", "raw"]
_TIMES = {"started_at", "first_seen_at", "last_seen_at"}


def local_iso(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


# A phone number such as +998901234567 cannot carry a formula: it is left as it is.
_PLAIN_NUMBER = re.compile(r"^\+?[0-9][0-9 ]*$")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)  # each is one character


def safe_cell(value):
    """Text as a spreadsheet should take it: without bidirectional controls, and with a leading
    apostrophe when it would be read as a formula."""
    value = neutral(value)
    if isinstance(value, str) and value[:1] in _FORMULA_FIRST and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


_DIGITS = re.compile(r"^\+?[0-9]+$")


def excel_text(value):
    """A number-like text (a phone number) as a cell Excel keeps as text: `="998901234567"`.

    Opened as it is, Excel would read 998945947468 as 9.98946E+11 and drop a leading zero or
    plus sign. Anything else is `safe_cell`'s."""
    if isinstance(value, str) and _DIGITS.match(value):
        return f'="{value}"'
    return safe_cell(value)


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


def iter_csv(queryset, *, bom: bool = True, for_excel: bool = True) -> Iterator[str]:
    """CSV text chunks: a header row, then one row per call (labels in the active language).

    ``bom`` starts the file with a UTF-8 byte order mark so that Excel reads Cyrillic names;
    ``for_excel`` writes the phone numbers so that Excel keeps them as text (`excel_text`).
    A 100,000-row export spends as much time here as in the database: each row is one tuple
    built without lookups by name, and each chunk of rows is written at once.
    """
    directions = {value: str(label) for value, label in Direction.choices}
    statuses = {value: str(label) for value, label in CallStatus.choices}
    zone = timezone.get_current_timezone()
    safe = safe_cell
    number = excel_text if for_excel else safe_cell

    def cells(row: tuple) -> tuple:
        # The order of EXPORT_COLUMNS (checked below).
        started, direction, from_number, from_name, to_number, to_name, extension, status = row[:8]
        return (
            started.astimezone(zone).isoformat(timespec="seconds") if started else "",
            directions.get(direction, direction),
            number(from_number),
            safe(from_name),
            number(to_number),
            safe(to_name),
            number(extension),
            statuses.get(status, status),
            row[8],  # total, talk and wait seconds
            row[9],
            row[10],
            safe(row[11]),  # the PBX's name
            number(row[12]),  # the company line dialled
        )

    header = ("\ufeff" if bom else "") + _csv_line([str(h) for _key, h in EXPORT_COLUMNS])
    yield header
    buffer = io.StringIO()
    writerows = csv.writer(buffer, lineterminator="\r\n").writerows
    batch = []
    for row in _rows(queryset, [_source_field(key) for key in _CSV_KEYS]):
        batch.append(cells(row))
        if len(batch) == ROWS_PER_CHUNK:
            writerows(batch)
            batch.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if batch:
        writerows(batch)
        yield buffer.getvalue()


_CSV_KEYS = [key for key, _header in EXPORT_COLUMNS]
if _CSV_KEYS != [
    "started_at", "direction", "from_number", "from_name", "to_number", "to_name", "extension",
    "status", "total_seconds", "talk_seconds", "wait_seconds", "pbx", "line",
]:  # fmt: skip
    raise RuntimeError("iter_csv's cells() builds its rows in the order of EXPORT_COLUMNS.")


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
