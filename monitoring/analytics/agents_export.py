"""The agents table as a CSV or an XLSX file, in the page's columns and order, the PBX first.

CSV: durations in whole seconds (the header says so), the extension kept as text for Excel, a
UTF-8 byte order mark so Excel reads Cyrillic names. XLSX: durations as time values ([h]:mm:ss),
the header bold and frozen, with an autofilter. Texts from the PBX are made safe for
spreadsheets (no formulas, no bidirectional controls) as in the calls' exports.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator

from django.utils.translation import gettext
from openpyxl.cell import WriteOnlyCell

from monitoring.analytics.agents import COLUMNS, LABELS, AgentRow
from monitoring.export import excel_text, safe_cell
from monitoring.export_xlsx import DURATION_FORMAT, finish_sheet, start_sheet, text_cell

DURATIONS = frozenset(
    {"average_wait", "median_wait", "total_talk", "average_talk", "callback_median"}
)
TEXTS = frozenset({"extension", "name"})
EXPORTED = ("pbx_name", *COLUMNS)


def _label(key: str) -> str:
    return gettext("PBX") if key == "pbx_name" else str(LABELS[key][0])


def csv_headers() -> list[str]:
    return [
        gettext("%(column)s, seconds") % {"column": _label(key)}
        if key in DURATIONS
        else _label(key)
        for key in EXPORTED
    ]


def _seconds(value) -> int | str:
    return "" if value is None else round(value)


def _csv_cells(row: AgentRow) -> list:
    cells = []
    for key in EXPORTED:
        value = getattr(row, key)
        if key in DURATIONS:
            cells.append(_seconds(value))
        elif key == "extension":
            cells.append(excel_text(value))
        elif key in TEXTS or key == "pbx_name":
            cells.append(safe_cell(value))
        else:
            cells.append(value)
    return cells


def agents_csv(rows: list[AgentRow]) -> Iterator[str]:
    """The CSV text: a header line, then one line per agent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_headers())
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    writer.writerows(_csv_cells(row) for row in rows)
    yield buffer.getvalue()


def agents_xlsx(rows: list[AgentRow]) -> bytes:
    """The workbook's bytes: one sheet, a header row, one row per agent."""
    labels = [_label(key) for key in EXPORTED]
    widths = [max(len(label), 10) + 3 for label in labels]
    workbook, sheet = start_sheet(gettext("Agents"), labels, widths)
    for row in rows:
        cells = []
        for key in EXPORTED:
            value = getattr(row, key)
            if key in DURATIONS:
                if value is None:
                    cells.append(None)
                    continue
                cell = WriteOnlyCell(sheet, value=dt.timedelta(seconds=round(value)))
                cell.number_format = DURATION_FORMAT
                cells.append(cell)
            else:
                cells.append(text_cell(value))
        sheet.append(cells)
    finish_sheet(sheet, len(labels), len(rows))
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()
