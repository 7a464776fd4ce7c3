"""A report's rows as CSV or XLSX, written from its columns, safe to open in a spreadsheet.

Text that a spreadsheet would read as a formula (=, +, -, @, a tab or a carriage return
first: a customer named "=HYPERLINK(…)") is written with an apostrophe in CSV
(kabinet.lib.spreadsheet.cell_safe, the product's one rule) and as a string cell in XLSX,
which no spreadsheet evaluates. Numbers stay numbers: money is a numeric cell with a
two-decimal format, so the accountant can add it up.
"""

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from kabinet.lib.spreadsheet import SafeCsvWriter, cell_safe
from kabinet.office.reports.columns import DATE, INT, MONEY, MONTH, QTY, Column

MONEY_FORMAT = "#,##0.00"
QTY_FORMAT = "#,##0.####"
DATE_FORMAT = "yyyy-mm-dd"
MONTH_FORMAT = "yyyy-mm"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_value(value, kind: str):
    if value is None:
        return ""
    if kind == DATE and isinstance(value, dt.date):
        return value.isoformat()
    if kind == MONTH and isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return cell_safe(value if isinstance(value, int | Decimal) else str(value))


def write_csv(stream, columns: list[Column], rows: Iterable) -> None:
    """Semicolon-separated, as the portal's CSV files (a comma is the decimal separator in
    Latvian and Russian spreadsheets); numbers with a point, dates as YYYY-MM-DD."""
    writer = SafeCsvWriter(stream, delimiter=";")
    writer.writerow([str(c.label) for c in columns])
    for row in rows:
        writer.writerow([_csv_value(getattr(row, c.key), c.kind) for c in columns])


def csv_bytes(columns: list[Column], rows: Iterable) -> bytes:
    text = io.StringIO(newline="")
    write_csv(text, columns, rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")  # the BOM: Excel reads UTF-8 then


def xlsx_bytes(title: str, columns: list[Column], rows: Iterable) -> bytes:
    """One sheet, a bold header row, then the rows (openpyxl's write-only mode: a
    hundred thousand rows in constant memory)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    formats = {MONEY: MONEY_FORMAT, QTY: QTY_FORMAT, DATE: DATE_FORMAT, MONTH: MONTH_FORMAT}
    # A cell object only where the type or format needs one: plain values are faster.
    for row in rows:
        out = []
        for column in columns:
            value = getattr(row, column.key)
            kind = column.kind
            if value is None:
                out.append(None)
            elif kind in formats and not isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = formats[kind]
                out.append(cell)
            elif kind == INT and isinstance(value, int):
                out.append(value)
            else:
                out.append(_text_cell(sheet, str(value)))
        sheet.append(out)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, text: str):
    """Text as a string cell: openpyxl would store text starting with "=" as a formula."""
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def _sheet_title(title: str) -> str:
    # Excel's limits: 31 characters, none of []:*?/\
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
    return clean[:31] or "Report"
