"""The filtered calls as an Excel (XLSX) file, with memory flat however many rows.

openpyxl's write-only workbook streams each row to a temporary file on disk; the rows come from
the database in chunks through `.values_list().iterator()`; the finished file is sent from disk
with FileResponse. Columns, their order and the cell values are the CSV export's.
"""

import tempfile

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from monitoring.export import EXPORT_COLUMNS, local_iso, safe_cell
from monitoring.models import CallStatus, Direction

CHUNK_SIZE = 2000
# Column widths in characters, by position (start time, direction, from, from name, ...).
WIDTHS = (26, 10, 18, 24, 18, 24, 10, 11, 10, 10, 10, 16)
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_rows(queryset, chunk_size: int = CHUNK_SIZE):
    """One list of cell values per call, in EXPORT_COLUMNS order, as the CSV export has them."""
    directions = {value: str(label) for value, label in Direction.choices}
    statuses = {value: str(label) for value, label in CallStatus.choices}
    keys = [key for key, _label in EXPORT_COLUMNS]
    fields = ["pbx__name" if key == "pbx" else key for key in keys]
    for row in queryset.values_list(*fields).iterator(chunk_size=chunk_size):
        values = dict(zip(keys, row, strict=True))
        values["started_at"] = local_iso(values["started_at"])
        values["direction"] = directions.get(values["direction"], values["direction"])
        values["status"] = statuses.get(values["status"], values["status"])
        yield [_cell(values[key]) for key in keys]


def _cell(value):
    """Formulas neutralised; control characters, which XLSX cannot hold, dropped."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))
    return value


def write_xlsx(queryset, target, progress=None, written=None) -> int:
    """Write the calls of `queryset` as a one-sheet workbook into the open binary file `target`
    (or a path); `progress(rows)` is told how many rows are written after every CHUNK_SIZE, and
    `written()` is called once every row is, before the workbook is packed (which takes about a
    tenth of the whole). Returns the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Calls")
    for index, width in enumerate(WIDTHS[: len(EXPORT_COLUMNS)]):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for _key, label in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    rows = 0
    for rows, row in enumerate(export_rows(queryset, chunk_size=CHUNK_SIZE), 1):
        sheet.append(row)
        if progress is not None and rows % CHUNK_SIZE == 0:
            progress(rows)
    if written is not None:
        written()
    workbook.save(target)
    return rows


def xlsx_response(queryset, filename: str) -> FileResponse:
    """The workbook, built in a temporary file that is removed once it has been sent."""
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_xlsx(queryset, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
