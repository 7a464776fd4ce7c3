"""Hand-computed invoices for the Latvian preset (EUR, VAT 21 %, decimals kept)."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.models import Invoice
from kabinet.billing.services import billing_preview
from kabinet.billing.tests.factories import bill_and_publish, lines_of, reading, sewerage, tariff
from kabinet.meters.models import Meter, MeterStatus
from kabinet.test import make_meter

D = Decimal
SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


@pytest.fixture
def lv(personas):
    p = personas
    p.sewerage = sewerage(p.services, p.alice_account)
    tariff(p.services["cold_water"], "1.20")
    tariff(p.services["hot_water"], "4.50")
    tariff(p.sewerage, "0.90")
    return p


def test_it_bills_metered_water_and_sewerage_on_their_volume(lv):
    reading(lv.alice_cold, SEP, "100.0")
    reading(lv.alice_hot, SEP, "50.0")
    reading(lv.alice_cold, OCT, "112.5")
    reading(lv.alice_hot, OCT, "53.2")

    bill_and_publish(OCT, actor=lv.carol)

    invoice = Invoice.objects.get(account=lv.alice_account, period=OCT)
    assert lines_of(invoice) == [
        ("cold_water", "metered", D("12.5"), D("1.2"), D("15.00"), D("3.15"), D("18.15")),
        ("hot_water", "metered", D("3.2"), D("4.5"), D("14.40"), D("3.02"), D("17.42")),
        ("sewerage", "parent", D("15.7"), D("0.9"), D("14.13"), D("2.97"), D("17.10")),
    ]
    assert invoice.total == D("52.67")
    assert invoice.vat_total == D("9.14")
    assert invoice.amount_due == D("52.67")
    assert (invoice.issued_on, invoice.due_on) == (dt.date(2026, 11, 10), dt.date(2026, 11, 25))
    assert invoice.number == "2026-000001"
    cold = invoice.lines.get(service__code="cold_water")
    assert cold.details["meters"][0]["prev"] == "100.000"
    assert cold.details["meters"][0]["cur"] == "112.500"


def test_it_prorates_a_mid_month_tariff_change_by_days(lv):
    cold = lv.services["cold_water"]
    cold.tariffs.all().delete()
    tariff(cold, "1.20", end=dt.date(2026, 10, 15))
    tariff(cold, "1.50", start=dt.date(2026, 10, 16))
    reading(lv.alice_cold, SEP, "100.0")
    reading(lv.alice_cold, OCT, "112.5")

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=lv.alice_account, period=OCT)
    cold_lines = [row for row in lines_of(invoice) if row[0] == "cold_water"]
    # 12.5 m³ × 15/31 days at 1.20, the rest (16/31) at 1.50.
    assert cold_lines == [
        ("cold_water", "metered", D("6.0484"), D("1.2"), D("7.26"), D("1.52"), D("8.78")),
        ("cold_water", "metered", D("6.4516"), D("1.5"), D("9.68"), D("2.03"), D("11.71")),
    ]
    days = [line.details["days"] for line in invoice.lines.filter(service__code="cold_water").order_by("id")]
    assert days == [15, 16]


def test_it_handles_a_register_rollover(lv):
    reading(lv.alice_cold, SEP, "99990.0")
    reading(lv.alice_cold, OCT, "5.5")

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=lv.alice_account, period=OCT)
    assert lines_of(invoice)[0] == ("cold_water", "metered", D("15.5"), D("1.2"), D("18.60"), D("3.91"), D("22.51"))


def test_it_counts_both_meters_when_one_is_replaced_mid_period(lv):
    reading(lv.alice_cold, SEP, "100.0")
    old = lv.alice_cold
    Meter.objects.filter(pk=old.pk).update(
        status=MeterStatus.REPLACED, removed_on=dt.date(2026, 10, 12), final_reading=D("105.0")
    )
    new = make_meter(lv.alice_account, lv.services["cold_water"], "CW-1002", installed_on=dt.date(2026, 10, 12))
    reading(new, OCT, "7.5")

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=lv.alice_account, period=OCT)
    cold = invoice.lines.get(service__code="cold_water")
    assert (cold.method, cold.quantity, cold.total) == ("metered", D("12.5000"), D("18.15"))
    assert [m["serial"] for m in cold.details["meters"]] == ["CW-1001", "CW-1002"]
    assert [m["v"] for m in cold.details["meters"]] == ["5.000", "7.500"]


def test_it_carries_an_overpayment_as_credit(lv):
    from kabinet.payments.services import payment_register

    reading(lv.alice_cold, SEP, "100.0")
    reading(lv.alice_cold, OCT, "110.0")  # 10 m³: cold 12.00 + 2.52, sewerage 9.00 + 1.89
    bill_and_publish(OCT)
    payment_register(
        account=lv.alice_account, amount=D("50.00"), paid_on=dt.date(2026, 11, 20), channel="bank", external_id="x1"
    )
    reading(lv.alice_cold, dt.date(2026, 11, 1), "115.0")  # 5 m³: cold 6.00 + 1.26, sewerage 4.50 + 0.95

    bill_and_publish(dt.date(2026, 11, 1))

    invoice = Invoice.objects.get(account=lv.alice_account, period=dt.date(2026, 11, 1))
    assert invoice.previous_balance == D("25.41")
    assert invoice.payments_received == D("50.00")
    assert invoice.total == D("12.71")
    assert invoice.amount_due == D("-11.88")  # credit carried to the next invoice
    assert invoice.to_pay == D("0.00")


def test_it_previews_without_writing_anything(lv):
    reading(lv.alice_cold, SEP, "100.0")
    reading(lv.alice_cold, OCT, "112.5")

    preview = billing_preview(period=OCT, account=lv.alice_account)

    assert Invoice.objects.count() == 0
    assert preview.summary["invoices"] == 1
    [draft] = preview.bills
    assert draft.total == D("31.76")  # cold 18.15 + sewerage on 12.5 m³ 13.61
    # The hot water meter has no readings and Latvia bills no average: no norm either.
    assert "no_norm:hot_water" in draft.bill.anomalies


def test_it_puts_a_staff_correction_on_the_next_invoice_once(lv):
    from kabinet.billing.services import billing_run, billing_run_cancel, correction_add
    from kabinet.utility.exceptions import ApplicationError

    reading(lv.alice_cold, SEP, "100.0")
    reading(lv.alice_cold, OCT, "100.0")
    with pytest.raises(ApplicationError):
        correction_add(account=lv.alice_account, reason=" ", price=D("1"), actor=lv.carol)
    correction = correction_add(
        account=lv.alice_account,
        service=lv.services["cold_water"],
        quantity=D("-2.5"),
        price=D("1.20"),
        vat_rate=D("21"),
        reason="Reading of 08.2026 was mistyped",
        actor=lv.carol,
    )

    cancelled = billing_run(period=OCT, actor=lv.carol)
    billing_run_cancel(run=cancelled, actor=lv.carol)  # the correction goes back to pending
    bill_and_publish(OCT)
    bill_and_publish(dt.date(2026, 11, 1))

    october = Invoice.objects.get(account=lv.alice_account, period=OCT)
    line = october.lines.get(kind="correction")
    assert (line.quantity, line.amount, line.vat, line.total) == (D("-2.5"), D("-3.00"), D("-0.63"), D("-3.63"))
    assert line.description == "Reading of 08.2026 was mistyped"
    correction.refresh_from_db()
    assert correction.invoice == october
    november = Invoice.objects.get(account=lv.alice_account, period=dt.date(2026, 11, 1))
    assert not november.lines.filter(kind="correction").exists()
