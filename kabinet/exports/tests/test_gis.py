"""The ГИС ЖКХ workbooks of a Russian utility for October, each sheet read back with
openpyxl: its headers are the template's, its rows what the database says (read here on
their own, not through the exports' selectors), and nothing of another month leaks in."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from kabinet.billing.models import Invoice, InvoiceLine
from kabinet.billing.tests.factories import bill_and_publish, reading, tariff
from kabinet.customers.models import Customer, CustomerKind
from kabinet.exports import gis
from kabinet.exports.selectors import gis_workbook
from kabinet.meters.models import Reading
from kabinet.payments.models import Payment, PaymentChannel, PaymentStatus
from kabinet.payments.services import payment_register
from kabinet.test import make_account, make_meter

SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)


class Kursk:
    """Alice and Bob (ru personas) and ООО «Ромашка», billed for September and October;
    payments in October, one of them never assigned to an account."""

    def __init__(self, personas):
        p = self.personas = personas
        tariff(p.services["cold_water"], "45.50")
        tariff(p.services["hot_water"], "210.00")
        org = Customer.objects.create(
            kind=CustomerKind.ORGANISATION,
            client_code="50001",
            organisation_name="=ООО «Ромашка»",
            registration_number="1024600000001",
        )
        self.org_account = make_account(org, "500001", "ул. Ленина", "10", "")
        self.org_meter = make_meter(self.org_account, p.services["cold_water"], "ХВ-5001", model="СВК-15")
        for meter, sep, oct_ in (
            (p.alice_cold, 100, 107),
            (p.alice_hot, 50, 53),
            (p.bob_cold, 10, 14),
            (self.org_meter, 1, 41),
        ):
            reading(meter, SEP, sep)
            reading(meter, OCT, oct_)
        reading(p.alice_cold, NOV, 115)  # another month: not in October's files
        bill_and_publish(SEP)
        self.run = bill_and_publish(OCT)
        alice_oct = Invoice.objects.get(account=p.alice_account, period=OCT)
        self.paid = [
            payment_register(
                account=p.alice_account,
                invoice=alice_oct,
                amount=D("500.00"),
                paid_on=dt.date(2026, 10, 12),
                channel=PaymentChannel.BANK,
                external_id="B-1",
                end_to_end_id="E2E-1",
                notify=False,
            )[0],
            payment_register(
                account=p.bob_account,
                amount=D("120.35"),
                paid_on=dt.date(2026, 10, 31),
                channel=PaymentChannel.CASHIER,
                notify=False,
            )[0],
        ]
        payment_register(  # November
            account=p.bob_account, amount=D("1.00"), paid_on=NOV, channel=PaymentChannel.BANK, notify=False
        )
        Payment.objects.create(  # waiting for assignment: not yet a payment of anyone's
            amount=D("99.00"),
            paid_on=dt.date(2026, 10, 15),
            channel=PaymentChannel.BANK,
            status=PaymentStatus.UNMATCHED,
        )


@pytest.fixture
def kursk(ru_personas) -> Kursk:
    return Kursk(ru_personas)


def sheets(slug: str, period=OCT) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(gis_workbook(slug, period)))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def test_every_template_has_its_sheets_and_headers_in_order():
    for template in gis.TEMPLATES:
        book = load_workbook(io.BytesIO(gis.workbook(template, {})))
        assert book.sheetnames == [s.name for s in template.sheets]
        for spec in template.sheets:
            header = next(book[spec.name].iter_rows(min_row=1, max_row=1))
            assert [c.value for c in header] == spec.headers
            assert [c.font.bold for c in header] == [c.required for c in spec.columns]


def test_the_accounts_sheets(kursk):
    book = sheets("gis-accounts")
    main, rooms = book["Основные сведения"], book["Помещения"]
    assert main[0][:3] == ("№ записи", "Номер ЛС (иной идентификатор потребителя)", "Тип лицевого счета")
    p = kursk.personas
    assert [row[1] for row in main[1:]] == ["100001", "100002", "200001", "500001"]
    assert main[1] == (
        1,
        "100001",
        "ЛС РСО",
        "Бērziņa".replace("Б", "B"),
        "Alise",
        None,
        None,
        None,
        52.4,
        2,
        None,
        None,
    )
    # The organisation: its name as text (never a formula) and its ОГРН, no person's name.
    assert main[4][3:8] == (None, None, None, "=ООО «Ромашка»", "1024600000001")
    book = load_workbook(io.BytesIO(gis_workbook("gis-accounts", OCT)))
    assert book["Основные сведения"]["G5"].data_type == "s"  # text, never a formula
    assert rooms[1] == (1, "Daugavpils, Rīgas iela, д. 5", None, "12", 100)
    assert len(rooms) - 1 == 4 == p.alice_account.__class__.objects.count()


def test_the_meters_sheet(kursk):
    rows = sheets("gis-meters")["Сведения о ПУ"]
    assert rows[0] == tuple(gis.METERS.sheets[0].headers)
    by_serial = {row[1]: row for row in rows[1:]}
    assert set(by_serial) == {"CW-1001", "HW-1001", "CW-2001", "ХВ-5001"}
    org = by_serial["ХВ-5001"]
    m = kursk.org_meter
    assert org[2:9] == (
        "Индивидуальный",
        "СВК-15",
        "500001",
        "Daugavpils, ул. Ленина, д. 10",
        None,
        "Холодная вода",
        "м³",
    )
    assert org[9].date() == m.installed_on and org[11].date() == m.verified_on
    assert org[12] == 6 and org[13] == 0 and org[14] is None
    assert by_serial["HW-1001"][12] == 4  # hot water: verified every 4 years


def test_the_readings_sheet(kursk):
    rows = sheets("gis-readings")["Показания ИПУ"]
    expected = {
        (r.meter.serial_number, float(r.value))
        for r in Reading.objects.filter(period=OCT, status="accepted").select_related("meter")
    }
    assert (
        {(row[1], row[5]) for row in rows[1:]}
        == expected
        == {("CW-1001", 107), ("HW-1001", 53), ("CW-2001", 14), ("ХВ-5001", 41)}
    )
    alice = next(row for row in rows[1:] if row[1] == "CW-1001")
    assert alice[3:5] == ("100001", "Холодная вода") and alice[2] is None


def test_the_payment_document_sheets(kursk):
    book = sheets("gis-payment-documents")
    head, services = book["Разделы 1-2"], book["Разделы 3-6"]
    invoices = Invoice.objects.filter(period=OCT).select_related("account").order_by("number")
    assert [(r[1], r[3], r[4], D(str(r[9]))) for r in head[1:]] == [
        (i.account.number, i.number, "10.2026", i.total) for i in invoices
    ]
    alice = Invoice.objects.get(account=kursk.personas.alice_account, period=OCT)
    row = next(r for r in head[1:] if r[3] == alice.number)
    assert row[2] == "Текущий" and row[11:13] == ("043807606", "40702810833000000123")
    assert D(str(row[7])) == alice.previous_balance and D(str(row[10])) == alice.amount_due
    lines = InvoiceLine.objects.filter(invoice__period=OCT).exclude(kind="penalty")
    assert len(services) - 1 == lines.count()
    cold = next(r for r in services[1:] if r[0] == alice.number and r[1] == "Холодная вода")
    # 107 − 100 = 7 m³ × 45.50 = 318.50, the tariff with VAT inside (a household's).
    line = lines.get(invoice=alice, service=kursk.personas.services["cold_water"])
    assert cold[2:5] == ("Прибор учета", 7, "м³") and D(str(cold[8])) == line.total
    assert sum(D(str(r[8])) for r in services[1:] if r[0] == alice.number) == alice.total - alice.penalty_total


def test_the_payments_sheet(kursk):
    rows = sheets("gis-payments")["Извещения"]
    alice_pay, bob_pay = kursk.paid
    assert [r[1:] for r in rows[1:]] == [
        ("100001", alice_pay.invoice.number, None, 500, dt.datetime(2026, 10, 12), "10.2026", "E2E-1"),
        ("200001", None, None, 120.35, dt.datetime(2026, 10, 31), None, f"KABINET-{bob_pay.pk}"),
    ]


def test_a_month_without_data_gives_the_headers_only(kursk):
    assert sheets("gis-readings", dt.date(2025, 1, 1))["Показания ИПУ"] == [tuple(gis.READINGS.sheets[0].headers)]


@pytest.mark.parametrize(
    "slug, queries",
    [("gis-accounts", 1), ("gis-meters", 2), ("gis-readings", 2), ("gis-payment-documents", 3), ("gis-payments", 1)],
)
def test_each_workbook_reads_a_fixed_number_of_queries(kursk, slug, queries, django_assert_num_queries):
    """One query per relation whatever the number of accounts (the profile is cached)."""
    from kabinet.utility.models import UtilityProfile

    UtilityProfile.get()
    with django_assert_num_queries(queries):
        gis_workbook(slug, OCT)
