"""Meter-reading files from automated meter reading: CSV or XLSX with three columns,
meter serial number, date and value, with or without a header row (Django-free).

CSV: `;`, `,` or tab separated, UTF-8 (with or without BOM) or cp1251/cp1257.
Dates: 2026-11-27, 27.11.2026, 27/11/2026 (or a real date cell in XLSX).
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator

HEADER_WORDS = {
    "serial": ("serial", "meter", "skaitītāj", "skaititaj", "счетчик", "счётчик", "номер", "заводской", "sērijas"),
    "date": ("date", "datums", "дата"),
    "value": ("value", "reading", "rādījum", "radijum", "показани", "значение"),
}
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y.%m.%d", "%d.%m.%y")


class FileFormatError(ValueError):
    pass


Row = tuple[int, str, dt.date | None, str]


_DATE_CACHE: dict[str, dt.date | None] = {}


def parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()[:10]
    # A file has few distinct dates and many rows: parse each text once.
    if text in _DATE_CACHE:
        return _DATE_CACHE[text]
    if len(_DATE_CACHE) > 10000:
        _DATE_CACHE.clear()
    _DATE_CACHE[text] = _parse_date_text(text)
    return _DATE_CACHE[text]


def _parse_date_text(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _columns(header: list[str]) -> tuple[int, int, int] | None:
    found = {}
    for index, name in enumerate(header):
        lowered = str(name or "").strip().lower()
        for key, words in HEADER_WORDS.items():
            if key not in found and any(lowered.startswith(w) or w in lowered for w in words):
                found[key] = index
                break
    if len(found) == 3:
        return found["serial"], found["date"], found["value"]
    return None


def _rows(table: Iterator[list]) -> Iterator[Row]:
    columns = (0, 1, 2)
    dates = _DATE_CACHE
    for line_no, cells in enumerate(table, start=1):
        if len(cells) < 3:
            if not any(str(c or "").strip() for c in cells):
                continue
            cells = [*cells, "", "", ""]
        if line_no == 1:
            named = _columns([str(c) for c in cells])
            if named is not None:
                columns = named
                continue
            if parse_date(cells[columns[1]]) is None:
                continue  # a header we do not recognise: positional columns
        s, d, v = columns
        serial, day, value = cells[s], cells[d], cells[v]
        # The common case (text cells, a date seen before) without function calls.
        if type(day) is str and day in dates:
            day = dates[day]
        else:
            day = parse_date(day)
        if type(value) is not str:
            value = repr(value) if isinstance(value, float) else str(value if value is not None else "")
        if type(serial) is not str:
            serial = str(serial if serial is not None else "")
        yield line_no, serial.strip(), day, value.strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1257", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileFormatError("unknown text encoding")


def read_csv(data: bytes) -> Iterator[Row]:
    text = _decode(data)
    first = text[:2000].splitlines()[0] if text else ""
    delimiter = max((";", "\t", ","), key=first.count) if first else ";"
    return _rows(csv.reader(io.StringIO(text), delimiter=delimiter))


def read_xlsx(data: bytes) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FileFormatError("not a readable XLSX file") from exc
    sheet = workbook.worksheets[0]
    return _rows(list(row) for row in sheet.iter_rows(values_only=True))


def read_reading_file(name: str, data: bytes) -> Iterator[Row]:
    if name.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        return read_xlsx(data)
    return read_csv(data)
