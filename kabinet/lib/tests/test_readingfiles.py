"""Reading files parsed without a database, as Excel and LibreOffice save them."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from kabinet.lib.readingfiles import RowsDigest, canonical_value, float_text, read_reading_file

NOV_28 = dt.date(2026, 11, 28)

EXCEL_LV = "\ufeffSkaitītājs;Datums;Rādījums\r\nCW-1001;28.11.2026;10,5\r\n012345;28.11.2026;7\r\n".encode()
LIBREOFFICE = b"serial,date,value\nCW-1001,2026-11-28,10.5\n012345,2026-11-28,7\n"
EXCEL_RU_1251 = "Счётчик;Дата;Показания\r\nCW-1001;28.11.2026;10,5\r\n012345;28.11.2026;7\r\n".encode("cp1251")


def _xlsx(*rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rows(name, data):
    return [row[1:] for row in read_reading_file(name, data)]


@pytest.mark.parametrize(
    ("value", "text"),
    [(4.699999999999988, "4.7"), (40.0, "40"), (12345.0, "12345"), (123.45, "123.45"), (0.1 + 0.2, "0.3")],
)
def test_it_reads_a_float_cell_as_the_number_it_stands_for(value, text):
    assert float_text(value) == text


@pytest.mark.parametrize("data", [EXCEL_LV, LIBREOFFICE, EXCEL_RU_1251], ids=["excel-lv", "libreoffice", "cp1251"])
def test_it_reads_the_same_rows_from_every_programs_csv(data):
    assert _rows("amr.csv", data) == [("CW-1001", NOV_28, "10,5" if b";" in data else "10.5"), ("012345", NOV_28, "7")]


def test_it_finds_russian_headers_in_any_order_in_a_windows_1251_file():
    data = "Дата;Показания;Счётчик\r\n28.11.2026;10,5;CW-1001\r\n".encode("cp1251")
    assert _rows("amr.csv", data) == [("CW-1001", NOV_28, "10,5")]


def test_it_still_reads_a_latvian_windows_1257_file():
    data = "Rādījums;Skaitītājs;Datums\r\n10,5;CW-1001;28.11.2026\r\n".encode("cp1257")
    assert _rows("amr.csv", data) == [("CW-1001", NOV_28, "10,5")]


def test_it_reads_xlsx_numbers_as_text_a_person_would_have_typed():
    data = _xlsx(("Serial", "Date", "Value"), (12345.0, NOV_28, 4.699999999999988), (67890, NOV_28, 7.0))
    assert _rows("amr.xlsx", data) == [("12345", NOV_28, "4.7"), ("67890", NOV_28, "7")]


def test_it_skips_rows_that_are_blank_in_every_column():
    csv = EXCEL_LV + b";;\r\n ; ; \r\n\r\n"
    workbook = _xlsx(("Serial", "Date", "Value"), ("CW-1001", NOV_28, 10.5), (None, None, None), ("", None, ""))
    assert len(_rows("amr.csv", csv)) == 2
    assert len(_rows("amr.xlsx", workbook)) == 1


@pytest.mark.parametrize(
    ("text", "canonical"), [("0123,50", "123.5"), ("123.5", "123.5"), ("40,0", "40"), ("0,5", "0.5")]
)
def test_it_writes_a_value_one_way_whoever_wrote_it(text, canonical):
    assert canonical_value(text) == canonical


def _digest(name, data) -> str:
    digest = RowsDigest()
    for _row_no, serial, day, value in read_reading_file(name, data):
        digest.add(serial, day.isoformat() if day else "", value)
    return digest.hexdigest()


def test_the_same_rows_have_the_same_fingerprint_in_every_format():
    xlsx = _xlsx(("Serial", "Date", "Value"), ("CW-1001", NOV_28, 10.5), ("012345", NOV_28, 7.0))
    digests = {_digest("a.csv", EXCEL_LV), _digest("b.csv", LIBREOFFICE), _digest("c.csv", EXCEL_RU_1251)}
    digests.add(_digest("d.xlsx", xlsx))
    assert len(digests) == 1
    assert _digest("e.csv", LIBREOFFICE.replace(b"10.5", b"10.6")) not in digests
