"""The filtered calls as an Excel (XLSX) file, with memory flat however many rows.

openpyxl's write-only workbook streams each row to a temporary file on disk; the rows come from
the database in chunks through `.values_list().iterator()`; the finished file is sent from disk
with FileResponse. The columns and their order are the CSV export's, in the cell types Excel
works with: the start time a date-time in local (Tashkent) time, the durations time values,
phone numbers text; the header is frozen and has an autofilter, and the columns fit.
"""

import datetime as dt
import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from monitoring.export import EXPORT_COLUMNS, safe_cell
from monitoring.models import CallStatus, Direction

CHUNK_SIZE = 2000
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DURATION_FORMAT = "[h]:mm:ss"
_DURATIONS = {"total_seconds", "talk_seconds", "wait_seconds"}
# The durations are time values here, not counts of seconds: their headers say so.
XLSX_HEADERS = {
    "total_seconds": _("Total duration"),
    "talk_seconds": _("Talk time"),
    "wait_seconds": _("Wait time"),
}
# Characters each column's values need (a date-time, a phone number, a name, …); a longer
# header widens its column.
CONTENT_WIDTHS = {
    "started_at": 19,
    "direction": 10,
    "from_number": 15,
    "from_name": 22,
    "to_number": 15,
    "to_name": 22,
    "extension": 9,
    "status": 11,
    "total_seconds": 9,
    "talk_seconds": 9,
    "wait_seconds": 9,
    "pbx": 14,
    "line": 15,
}


def headers() -> list[str]:
    return [str(XLSX_HEADERS.get(key, label)) for key, label in EXPORT_COLUMNS]


def column_widths(labels: list[str]) -> list[float]:
    """Each column as wide as its values or its header, whichever is wider, plus the room the
    autofilter's button takes."""
    keys = [key for key, _label in EXPORT_COLUMNS]
    return [
        max(CONTENT_WIDTHS[key], len(label)) + 3 for key, label in zip(keys, labels, strict=True)
    ]


def export_rows(queryset, chunk_size: int = CHUNK_SIZE):
    """One list of cell values per call, in EXPORT_COLUMNS order: the start time a naive
    date-time in the local time zone (Excel has no time zones), durations `timedelta`s, texts
    made safe."""
    directions = {value: str(label) for value, label in Direction.choices}
    statuses = {value: str(label) for value, label in CallStatus.choices}
    zone = timezone.get_current_timezone()
    keys = [key for key, _label in EXPORT_COLUMNS]
    fields = ["pbx__name" if key == "pbx" else key for key in keys]
    for row in queryset.values_list(*fields).iterator(chunk_size=chunk_size):
        values = dict(zip(keys, row, strict=True))
        started = values["started_at"]
        values["started_at"] = started.astimezone(zone).replace(tzinfo=None) if started else None
        values["direction"] = directions.get(values["direction"], values["direction"])
        values["status"] = statuses.get(values["status"], values["status"])
        for key in _DURATIONS:
            values[key] = dt.timedelta(seconds=values[key] or 0)
        yield [text_cell(values[key]) for key in keys]


def start_sheet(title: str, labels: list[str], widths: list[int]):
    """A write-only workbook and its one sheet, begun with a bold, frozen header row of
    `labels` in columns `widths` wide. The caller appends the rows, then `finish_sheet`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return workbook, sheet


def finish_sheet(sheet, columns: int, rows: int) -> None:
    """The autofilter over the header and the `rows` appended below it."""
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{rows + 1}"


def text_cell(value):
    """Formulas neutralised; control characters, which XLSX cannot hold, dropped. Phone numbers
    stay strings, so they are text cells."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))
    return value


def write_xlsx(queryset, target, progress=None, written=None) -> int:
    """Write the calls of `queryset` as a one-sheet workbook into the open binary file `target`
    (or a path); `progress(rows)` is told how many rows are written after every CHUNK_SIZE, and
    `written()` is called once every row is, before the workbook is packed (which takes about a
    tenth of the whole). Returns the number of rows."""
    labels = headers()
    workbook, sheet = start_sheet(str(_("Calls")), labels, column_widths(labels))
    formats = _formats(sheet)
    rows = 0
    for rows, row in enumerate(export_rows(queryset, chunk_size=CHUNK_SIZE), 1):
        sheet.append([format_cell(value) for format_cell, value in zip(formats, row, strict=True)])
        if progress is not None and rows % CHUNK_SIZE == 0:
            progress(rows)
    finish_sheet(sheet, len(labels), rows)
    if written is not None:
        written()
    workbook.save(target)
    return rows


def _formats(sheet):
    """Per column, what turns a value into what is appended: a styled cell for the date-time
    and the durations, the value itself otherwise."""

    def styled(number_format):
        def make(value):
            if value is None:
                return None
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            return cell

        return make

    plain = lambda value: value  # noqa: E731
    by_key = {"started_at": styled(DATETIME_FORMAT)}
    by_key.update({key: styled(DURATION_FORMAT) for key in _DURATIONS})
    return [by_key.get(key, plain) for key, _label in EXPORT_COLUMNS]


def xlsx_response(queryset, filename: str) -> FileResponse:
    """The workbook, built in a temporary file that is removed once it has been sent."""
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_xlsx(queryset, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
