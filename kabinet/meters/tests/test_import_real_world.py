"""Reading files as Excel and LibreOffice really save them: a re-saved file is the same
file, float cells are the numbers they stand for, serials typed as numbers still find
their meter, future dates and suspicious jumps are caught as in the portal."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from kabinet.meters.imports import file_checksum, readings_import, readings_import_preview
from kabinet.meters.models import Reading, ReadingFlag, ReadingImport, ReadingSource, ReadingStatus
from kabinet.meters.review import to_review_q
from kabinet.meters.submission import reading_submit
from kabinet.test import make_meter

END_OF_NOVEMBER = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
NOV_28 = dt.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def in_the_november_window():
    with time_machine.travel(END_OF_NOVEMBER, tick=False):
        yield


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


# --- files as the programs write them ---------------------------------------------------


def excel_csv(rows, header=("Skaitītājs", "Datums", "Rādījums")) -> bytes:
    """Excel "CSV UTF-8" in a Latvian or Russian locale: BOM, CRLF, `;`, decimal comma."""
    lines = [";".join(header)]
    lines += [f"{serial};{day:%d.%m.%Y};{str(value).replace('.', ',')}" for serial, day, value in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def libreoffice_csv(rows, header=("serial", "date", "value")) -> bytes:
    """LibreOffice's default CSV: UTF-8 without BOM, LF, `,`, decimal point."""
    lines = [",".join(header)]
    lines += [f"{serial},{day:%Y-%m-%d},{value}" for serial, day, value in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def cp1251_csv(rows, header=("Счётчик", "Дата", "Показания")) -> bytes:
    """Excel's plain "CSV" in a Russian locale: Windows-1251, CRLF, `;`, decimal comma."""
    lines = [";".join(header)]
    lines += [f"{serial};{day:%d.%m.%Y};{str(value).replace('.', ',')}" for serial, day, value in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def xlsx(rows, header=("Serial", "Date", "Value")) -> bytes:
    """openpyxl as a spreadsheet saves typed cells: digit-only serials as numbers, dates as
    date cells, values as floats."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for serial, day, value in rows:
        cell = float(serial) if isinstance(serial, str) and serial.isdigit() else serial
        sheet.append([cell, day, float(value) if not isinstance(value, float) else value])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


TWO_ROWS = [("CW-1001", NOV_28, Decimal("10.5")), ("CW-2001", NOV_28, Decimal("7"))]


# --- 9. the same readings in another file are the same file ----------------------------


def test_it_refuses_the_same_two_rows_saved_with_crlf_a_bom_and_commas(personas):
    lf = b"CW-1001;28.11.2026;10.5\nCW-2001;28.11.2026;7\n"
    first = readings_import(name="amr.csv", data=lf, actor=personas.carol)
    assert first.accepted == 2
    count = Reading.objects.count()

    crlf = "\ufeffCW-1001,28.11.2026,10.5\r\nCW-2001,28.11.2026,7\r\n".encode()
    again = readings_import(name="amr (1).csv", data=crlf, actor=personas.carol)

    assert again.already_imported == first.batch and again.batch is None
    assert Reading.objects.count() == count
    assert ReadingImport.objects.count() == 1


@pytest.mark.parametrize("second", [libreoffice_csv, cp1251_csv, xlsx])
def test_it_recognises_an_excel_file_saved_again_by_another_program(personas, second):
    first = readings_import(name="amr.csv", data=excel_csv(TWO_ROWS))
    assert (first.accepted, first.rejected) == (2, 0)

    again = readings_import(name="amr-again", data=second(TWO_ROWS))

    assert again.already_imported == first.batch and again.batch is None
    assert Reading.objects.count() == 2


def test_trailing_blank_rows_and_spaces_do_not_make_another_file(personas):
    first = readings_import(name="amr.csv", data=excel_csv(TWO_ROWS))
    padded = excel_csv(TWO_ROWS).replace(b"10,5", b"10,50 ") + b";;\r\n;;\r\n\r\n"

    again = readings_import_preview(name="amr.csv", data=padded)

    assert again.already_imported == first.batch
    assert (again.rows, again.unchanged) == (2, 2)  # the blank rows are not rows; the two are stored


def test_a_file_with_one_more_reading_is_a_new_file_that_does_not_store_the_known_ones_again(personas):
    readings_import(name="amr.csv", data=excel_csv(TWO_ROWS))
    more = [*TWO_ROWS, ("HW-1001", NOV_28, Decimal("3"))]

    report = readings_import(name="amr-2.csv", data=libreoffice_csv(more))

    assert report.already_imported is None and report.batch is not None
    assert (report.accepted, report.unchanged, report.rejected) == (1, 2, 0)
    assert Reading.objects.filter(meter=personas.alice_cold).count() == 1  # not stored, not superseded
    assert Reading.objects.get(meter=personas.alice_hot).batch == report.batch


def test_a_file_reading_equal_to_the_one_the_customer_submitted_is_not_stored_twice(personas):
    submitted = reading_submit(meter=personas.alice_cold, value="10,5", source=ReadingSource.PORTAL, notify=False)
    assert submitted.status == ReadingStatus.ACCEPTED

    report = readings_import(name="amr.csv", data=excel_csv(TWO_ROWS[:1]))

    assert (report.accepted, report.unchanged) == (0, 1)
    submitted.refresh_from_db()
    assert submitted.status == ReadingStatus.ACCEPTED
    assert Reading.objects.filter(meter=personas.alice_cold).count() == 1


def test_the_preview_of_a_resaved_file_says_when_and_from_which_file_it_was_imported(client, personas):
    readings_import(name="november.csv", data=excel_csv(TWO_ROWS), actor=personas.carol)
    client.force_login(personas.carol)
    client.cookies["django_language"] = "en"

    upload = SimpleUploadedFile("november.xlsx", xlsx(TWO_ROWS))
    page = client.post(reverse("admin:meters_readingimport_upload"), {"file": upload}).content.decode()

    assert "The same readings were already imported on 30.11.2026" in page and "november.csv" in page
    assert 'name="sha256"' not in page  # no Import button


# --- 10. future dates, leaks, serials typed as numbers ------------------------------------


def test_it_refuses_a_row_dated_in_the_future(personas):
    with time_machine.travel(dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC), tick=False):
        preview = readings_import_preview(name="amr.csv", data=excel_csv([("CW-1001", dt.date(2026, 11, 29), 10)]))
        report = readings_import(name="amr.csv", data=excel_csv([("CW-1001", dt.date(2026, 11, 29), 10)]))

    assert preview.by_reason == {"future_date": 1}
    assert preview.sample[0]["reason"] == "The date is in the future."
    assert not Reading.objects.filter(status=ReadingStatus.ACCEPTED).exists()
    assert Reading.objects.get(batch=report.batch).reason == "future_date"


@pytest.fixture
def usual_ten_a_month(personas):
    """Three months of about 10 m³ on alice's cold-water meter (the utility averages 6)."""
    for month, value in ((8, 100), (9, 110), (10, 120)):
        Reading.objects.create(
            meter=personas.alice_cold,
            period=dt.date(2026, month, 1),
            value=Decimal(value),
            consumption=Decimal(10),
            source="portal",
            status="accepted",
        )
    return personas


def test_it_flags_a_jump_of_thousands_of_cubic_metres_for_review_as_the_portal_does(usual_ten_a_month):
    rows = [("CW-1001", NOV_28, Decimal("5120")), ("CW-2001", NOV_28, Decimal("5"))]

    preview = readings_import_preview(name="amr.csv", data=excel_csv(rows))
    report = readings_import(name="amr.csv", data=excel_csv(rows))

    assert (preview.accepted, preview.flagged) == (2, 1)
    assert preview.sample[0]["serial"] == "CW-1001" and preview.sample[0]["flag"] == ReadingFlag.LEAK
    jump = Reading.objects.get(batch=report.batch, meter=usual_ten_a_month.alice_cold)
    assert jump.status == ReadingStatus.ACCEPTED and jump.flag == ReadingFlag.LEAK
    assert jump.consumption == Decimal("5000")
    assert list(Reading.objects.filter(to_review_q())) == [jump]
    # The same jump by e-mail (a channel that cannot ask "are you sure?") is flagged alike.
    emailed = reading_submit(meter=usual_ten_a_month.alice_cold, value="5120", source=ReadingSource.EMAIL, notify=False)
    assert emailed.flag == jump.flag


def test_a_jump_in_a_later_month_of_the_same_file_is_flagged_against_the_months_before(usual_ten_a_month):
    rows = [("CW-1001", NOV_28, Decimal("131")), ("CW-1001", dt.date(2026, 12, 28), Decimal("2131"))]

    with time_machine.travel(dt.datetime(2026, 12, 30, 12, 0, tzinfo=dt.UTC), tick=False):
        report = readings_import(name="amr.csv", data=libreoffice_csv(rows))

    flags = dict(Reading.objects.filter(batch=report.batch).values_list("period", "flag"))
    assert flags == {dt.date(2026, 11, 1): "", dt.date(2026, 12, 1): ReadingFlag.LEAK}


def _with_stored_number(data: bytes, stored: str) -> bytes:
    """The workbook with the serial's number cell stored as `stored` ("12345.0", as some
    exporters write a float; openpyxl and Excel write "12345")."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<v>12345</v>", f"<v>{stored}</v>".encode())
            target.writestr(item, content)
    return out.getvalue()


@pytest.mark.parametrize("stored", ["12345", "12345.0", "1.2345E4"])
def test_it_matches_a_serial_typed_as_a_number_in_xlsx(personas, stored):
    meter = make_meter(personas.bob_account, personas.services["hot_water"], "12345")
    workbook = Workbook()
    workbook.active.append([12345.0, NOV_28, 3.0])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = readings_import(name="amr.xlsx", data=_with_stored_number(buffer.getvalue(), stored))

    assert (report.accepted, report.rejected) == (1, 0)
    assert Reading.objects.get(batch=report.batch).meter == meter


def test_it_matches_a_serial_that_lost_its_leading_zero_when_exactly_one_meter_has_it(personas):
    meter = make_meter(personas.bob_account, personas.services["hot_water"], "012345")

    report = readings_import(name="amr.xlsx", data=xlsx([("12345", NOV_28, Decimal("3"))]))

    assert report.accepted == 1
    assert Reading.objects.get(batch=report.batch).meter == meter


def test_it_refuses_a_serial_without_its_leading_zeros_when_two_meters_could_be_meant(personas):
    make_meter(personas.bob_account, personas.services["hot_water"], "012345")
    make_meter(personas.alice_second_account, personas.services["hot_water"], "0012345")

    report = readings_import(name="amr.xlsx", data=xlsx([("12345", NOV_28, Decimal("3"))]))

    assert (report.accepted, report.by_reason) == (0, {"ambiguous_serial": 1})
    assert "leading zeros" in report.sample[0]["reason"]
    assert not Reading.objects.exists()


# --- 11. float cells and the preview -------------------------------------------------------


def test_a_float_cell_is_stored_as_the_number_it_stands_for(personas):
    # 4.699999999999988 is what a spreadsheet formula leaves for 4.7; 123.45 keeps the
    # house rule for decimals beyond the service's (lv keeps one): dropped, as in a CSV.
    rows = [("CW-1001", NOV_28, 4.699999999999988), ("CW-2001", NOV_28, 123.45)]

    readings_import(name="amr.xlsx", data=xlsx(rows))

    values = dict(Reading.objects.values_list("meter__serial_number", "value"))
    assert values == {"CW-1001": Decimal("4.7"), "CW-2001": Decimal("123.4")}
    assert Reading.objects.get(meter=personas.alice_cold).entered_value == "4.7"


def test_the_preview_shows_the_period_and_no_float_noise(client, personas):
    Reading.objects.create(
        meter=personas.alice_cold,
        period=dt.date(2026, 10, 1),
        value=Decimal("95.4"),
        source="portal",
        status="accepted",
    )
    client.force_login(personas.carol)
    client.cookies["django_language"] = "lv"
    upload = SimpleUploadedFile("amr.xlsx", xlsx([("CW-1001", NOV_28, 100.1)]))

    page = client.post(reverse("admin:meters_readingimport_upload"), {"file": upload}).content.decode()

    row = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "<td>11.2026</td>" in row
    assert "<td>100,1</td>" in row and "<td>4,7</td>" in row
    assert "9999" not in row and "0000" not in row


def _upload_and_confirm(client, name: str, data: bytes):
    page = client.post(reverse("admin:meters_readingimport_upload"), {"file": SimpleUploadedFile(name, data)})
    sha = file_checksum(data)
    assert page.status_code == 200
    response = client.post(
        reverse("admin:meters_readingimport_upload"), {"sha256": sha, "file_name": name}, follow=True
    )
    return [str(m) for m in response.context["messages"]]


def test_staff_are_told_which_earlier_file_had_the_same_readings(client, personas, private_media):
    readings_import(name="november.csv", data=excel_csv(TWO_ROWS), actor=personas.carol)
    client.force_login(personas.carol)
    client.cookies["django_language"] = "en"

    shown = _upload_and_confirm(client, "november.xlsx", xlsx(TWO_ROWS))

    assert shown == ["These readings were already imported on 30.11.2026 14:00 from “november.csv”; nothing changed."]
    assert ReadingImport.objects.count() == 1


def test_staff_are_told_how_many_imported_readings_wait_for_review(client, usual_ten_a_month, private_media):
    client.force_login(usual_ten_a_month.carol)
    client.cookies["django_language"] = "en"

    shown = _upload_and_confirm(client, "amr.csv", excel_csv([("CW-1001", NOV_28, Decimal("5120"))]))

    assert "1 reading is flagged as a possible leak or typo: review it." in shown
