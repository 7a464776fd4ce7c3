import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from openpyxl import Workbook

from kabinet.meters.imports import readings_import, readings_import_preview
from kabinet.meters.models import Reading, ReadingImport, ReadingSource, ReadingStatus
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import Event


@pytest.fixture(autouse=True)
def after_the_files_dates():
    # Rows dated in the future are refused: these files' dates (up to January 2027) are past.
    with time_machine.travel(dt.datetime(2027, 2, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


CSV = b"""serial;date;value
CW-1001;28.11.2026;123,45
HW-1001;2026-11-28;40
CW-2001;28.11.2026;5
NOPE-1;28.11.2026;1
CW-2001;10.11.2026;6
"""


@pytest.fixture
def with_history(personas):
    Reading.objects.create(
        meter=personas.alice_hot, period=dt.date(2026, 10, 1), value=Decimal("50"), source="portal", status="accepted"
    )
    return personas


def test_the_preview_shows_what_will_be_accepted_and_why_not_and_changes_nothing(with_history):
    report = readings_import_preview(name="amr.csv", data=CSV)
    assert (report.rows, report.accepted, report.rejected) == (5, 2, 3)
    reasons = {row["serial"]: row["error"] for row in report.sample}
    assert reasons["HW-1001"] == "lower_than_previous"  # 40 < 50
    assert reasons["NOPE-1"] == "unknown_meter"
    assert report.by_reason["outside_window"] == 1  # the 10th is before the 27th
    assert Reading.objects.count() == 1 and not ReadingImport.objects.exists()


@pytest.mark.parametrize("triggers", ["skipped where allowed", "always on"])
def test_it_imports_all_rows_once_and_a_second_import_changes_nothing(with_history, triggers, monkeypatch):
    if triggers == "always on":  # a role without the privilege to skip foreign-key triggers
        from kabinet.lib import bulk

        monkeypatch.setattr(bulk, "triggers_can_be_skipped", lambda: False)
    report = readings_import(name="amr.csv", data=CSV, actor=with_history.carol)
    assert report.batch is not None
    cold = Reading.objects.get(meter=with_history.alice_cold)
    assert cold.value == Decimal("123.4") and cold.consumption == Decimal("123.4")  # lv keeps one decimal
    assert cold.source == ReadingSource.FILE and cold.status == ReadingStatus.ACCEPTED
    rejected = Reading.objects.get(meter=with_history.alice_hot, status="rejected")
    assert rejected.reason == "lower_than_previous" and "previous" in rejected.reason_text
    count = Reading.objects.count()
    assert count == 1 + 4  # unknown serials cannot be stored as readings; the report lists them
    again = readings_import(name="renamed.csv", data=CSV)
    assert again.already_imported is not None and again.batch is None
    assert Reading.objects.count() == count
    assert Event.objects.filter(kind="reading.file_imported").count() == 1


def test_it_reads_xlsx_and_counts_a_rollover_in_the_ru_preset(ru_personas):
    ru_personas.alice_cold.digits_before_point = 3
    ru_personas.alice_cold.save()
    Reading.objects.create(
        meter=ru_personas.alice_cold,
        period=dt.date(2026, 10, 1),
        value=Decimal("995"),
        source="portal",
        status="accepted",
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Счётчик", "Дата", "Показания"])
    sheet.append(["CW-1001", dt.date(2026, 11, 24), 7.9])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = readings_import(name="amr.xlsx", data=buffer.getvalue())
    assert (report.accepted, report.rejected) == (1, 0)
    reading = Reading.objects.get(period=dt.date(2026, 11, 1))
    assert reading.value == Decimal("7") and reading.consumption == Decimal("12")  # 995 → 1000 → 7


def test_the_latest_row_for_a_meter_and_period_counts(personas):
    data = b"CW-1001;27.11.2026;10\nCW-1001;29.11.2026;12\n"
    report = readings_import(name="x.csv", data=data)
    assert report.by_reason == {"duplicate_in_file": 1}
    assert Reading.objects.get(status="accepted").value == 12


def test_months_in_one_file_chain_on_the_latest_row_of_the_month_before(with_history):
    # October in the database: 50. November twice (the later row counts), December lower
    # than November's counting row but higher than the row it replaced.
    data = b"HW-1001;28.11.2026;70\nHW-1001;29.11.2026;60\nHW-1001;28.12.2026;65\nHW-1001;28.01.2027;64\n"
    report = readings_import(name="x.csv", data=data)
    assert report.by_reason == {"duplicate_in_file": 1, "lower_than_previous": 1}
    accepted = Reading.objects.filter(meter=with_history.alice_hot, batch=report.batch, status="accepted")
    assert sorted((r.period, r.value, r.consumption) for r in accepted) == [
        (dt.date(2026, 11, 1), Decimal("60"), Decimal("10")),
        (dt.date(2026, 12, 1), Decimal("65"), Decimal("5")),
    ]
    assert Reading.objects.get(batch=report.batch, period=dt.date(2027, 1, 1)).reason == "lower_than_previous"


def test_a_file_reading_replaces_the_current_one_and_keeps_it(personas):
    first = Reading.objects.create(
        meter=personas.alice_cold, period=dt.date(2026, 11, 1), value=Decimal("9"), source="portal", status="accepted"
    )
    readings_import(name="x.csv", data=b"CW-1001;28.11.2026;10\n")
    first.refresh_from_db()
    assert first.status == ReadingStatus.SUPERSEDED
    assert Reading.objects.get(status="accepted").value == 10


@pytest.mark.parametrize("data", [b"", b"\x00\x01garbage", b"just text without columns\n"])
def test_an_unreadable_file_gets_a_clear_error(personas, data):
    with pytest.raises(ApplicationError):
        readings_import(name="x.csv", data=data)
    assert not Reading.objects.exists()
