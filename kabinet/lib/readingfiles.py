"""Meter-reading files from automated meter reading: CSV or XLSX with three columns,
meter serial number, date and value, with or without a header row (Django-free).

CSV: `;`, `,` or tab separated, UTF-8 (with or without BOM) or cp1251/cp1257.
Dates: 2026-11-27, 27.11.2026, 27/11/2026 (or a real date cell in XLSX).

Spreadsheets type cells: a serial number becomes a number (12345.0, its leading zeros
gone) and a value a binary float (4.699999999999988 for a 4.7 that a formula made).
Cells come out as the text a person would have typed: "12345", "4.7". Rows that are
blank in all three columns (Excel and LibreOffice save formatted empty rows) are not rows.

The same readings saved by another program (BOM or not, CRLF or LF, `;` or `,`, decimal
comma or point, text or number cells) are the same file: RowsDigest fingerprints the
rows, not the bytes.
"""

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

HEADER_WORDS = {
    "serial": ("serial", "meter", "skaitītāj", "skaititaj", "счетчик", "счётчик", "номер", "заводской", "sērijas"),
    "date": ("date", "datums", "дата"),
    "value": ("value", "reading", "rādījum", "radijum", "показани", "значение"),
}
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y.%m.%d", "%d.%m.%y")


# A float cell is rounded here before anything else: a reading has at most 3 decimals and
# 9 digits before the point, and a double holds 15-17 significant digits, so what lies
# beyond the 6th decimal is the float's binary noise, never a digit of the meter.
FLOAT_PLACES = Decimal("0.000001")


class FileFormatError(ValueError):
    pass


def float_text(value: float) -> str:
    """A float cell as the number it stands for: its shortest repr, noise rounded away
    ("4.7" for 4.699999999999988, "40" for 40.0, "12345" for 12345.0)."""
    try:
        number = Decimal(repr(value))
    except InvalidOperation:  # pragma: no cover - repr of a float is always a number
        return repr(value)
    if not number.is_finite():
        return repr(value)
    if number.as_tuple().exponent < -6:
        number = number.quantize(FLOAT_PLACES, rounding=ROUND_HALF_UP)
    text = format(number.normalize(), "f")
    return text


def cell_text(value) -> str:
    """A cell as text: numbers without a spurious ".0" or float noise."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return float_text(value)
    return str(value)


def canonical_value(text: str) -> str:
    """A value as the same text whoever wrote it: "0123,50", "123.5" and "123.50" are
    "123.5"; anything that is not a plain number stays as it is."""
    if " " in text or "\u00a0" in text:
        text = text.replace(" ", "").replace("\u00a0", "")
    text = text.replace(",", ".")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if len(text) > 1 and text[0] == "0":
        text = text.lstrip("0")
        if not text or text[0] == ".":
            text = "0" + text
    return text


class RowsDigest:
    """A SHA-256 of a file's rows in canonical form (serial, ISO date, canonical value),
    fed row by row while the rows are read: the same readings in another encoding,
    delimiter, line ending or cell type give the same digest."""

    __slots__ = ("_hash", "_pending")

    def __init__(self):
        self._hash = hashlib.sha256()
        self._pending: list[str] = []

    def add(self, serial: str, day: str, value: str) -> None:
        pending = self._pending
        pending.append(f"{serial}\x1f{day}\x1f{canonical_value(value)}")
        if len(pending) >= 8192:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._hash.update("\x1e".join(self._pending).encode())
            self._hash.update(b"\x1e")
            self._pending = []

    def hexdigest(self) -> str:
        self._flush()
        return self._hash.hexdigest()


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
            if not any(str(c if c is not None else "").strip() for c in cells):
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
            value = cell_text(value)
        if type(serial) is not str:
            serial = cell_text(serial)
        serial, value = serial.strip(), value.strip()
        if not serial and not value and day is None:
            continue  # a blank row (formatted cells, trailing `;;`)
        yield line_no, serial, day, value


_CYRILLIC = re.compile(r"[\u0400-\u04ff]+")


def _looks_cyrillic(text: str) -> bool:
    """Russian decoded as cp1251 is words of Cyrillic letters; Latvian (cp1257) decoded
    as cp1251 is Latin words with a stray Cyrillic letter where each diacritic was."""
    runs = _CYRILLIC.findall(text)
    letters = sum(len(run) for run in runs)
    in_words = sum(len(run) for run in runs if len(run) > 1)
    return letters > 0 and in_words * 2 >= letters


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # cp1257 decodes almost any bytes, so it cannot tell by failing: Windows-1251 text
    # (Excel in a Russian locale) would come out as Latin garbage, headers and all.
    try:
        cyrillic = data.decode("cp1251")
    except UnicodeDecodeError:
        cyrillic = None
    if cyrillic is not None and _looks_cyrillic(cyrillic[:20000]):
        return cyrillic
    for encoding in ("cp1257", "cp1251"):
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
