"""CSV and XLSX files for people and organisations, safe to open in a spreadsheet.

A cell that starts with ``= + - @`` (or a tab or carriage return) would be run as a formula by
Excel or LibreOffice. In XLSX such cells are stored as text cells, so ``=HYPERLINK("x")`` shows
exactly as typed; CSV has no cell types, so there they get a leading apostrophe (OWASP's advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Font

Cell = str | int | float | bool | datetime | None
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Cell) -> bool:
    """Whether a spreadsheet would read this cell as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def _plain(value: Cell) -> Cell:
    if isinstance(value, datetime):  # spreadsheets have no time zones: UTC, written as such
        return value.replace(tzinfo=None) if value.tzinfo else value
    return value


def csv_bytes(rows: Sequence[Sequence[Cell]]) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel reads the accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(
            [
                ""
                if cell is None
                else "'" + str(cell)
                if looks_like_formula(cell)
                else _plain(cell)
                for cell in row
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Mapping[str, Sequence[Sequence[Cell]]]) -> bytes:
    """An XLSX workbook, one sheet per entry; the first row of each sheet is its header."""
    workbook = Workbook()
    for default_sheet in list(workbook.worksheets):
        workbook.remove(default_sheet)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append([_plain(cell) for cell in row])
            for cell in sheet[sheet.max_row]:
                if looks_like_formula(cell.value):
                    cell.data_type = "s"  # a text cell: shown as typed, never evaluated
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
