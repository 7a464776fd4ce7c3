"""Hand-computed invoices for the Russian preset (RUB, VAT 22 %, whole-number readings):
averaging, norms, the coefficient after an expired meter, late readings, penalties."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.models import Invoice, KeyRate, LedgerEntry
from kabinet.billing.services import LineSpec, invoice_create
from kabinet.billing.tests.factories import bill_and_publish, lines_of, norm, reading, readings, tariff
from kabinet.meters.models import Meter

D = Decimal
FEB, AUG, SEP, OCT = (dt.date(2026, m, 1) for m in (2, 8, 9, 10))


@pytest.fixture
def ru(ru_personas):
    p = ru_personas
    p.alice_hot.delete()  # one meter keeps the arithmetic readable
    tariff(p.services["cold_water"], "40.00")
    tariff(p.services["hot_water"], "200.00")
    norm(p.services["cold_water"], "3.5")
    return p


def cold_lines(invoice):
    return [row for row in lines_of(invoice) if row[0] == "cold_water"]


def test_it_bills_a_missing_reading_by_the_six_month_average(ru):
    readings(ru.alice_cold, FEB, [5, 10, 15, 20, 25, 30, 35, 40])  # 02..09, none for 10

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=ru.alice_account, period=OCT)
    # (40 - 10) / 6 months = 5 m³ × 40.00 = 200.00 + 22 % VAT
    assert cold_lines(invoice) == [("cold_water", "average", D("5"), D("40"), D("200.00"), D("44.00"), D("244.00"))]
    assert (invoice.issued_on, invoice.due_on) == (dt.date(2026, 11, 1), dt.date(2026, 11, 15))
    assert invoice.has_estimates


def test_it_bills_by_norm_after_six_periods_without_readings(ru):
    readings(ru.alice_cold, dt.date(2025, 9, 1), [0, 5, 10, 15, 20, 25, 30])  # 09.2025..03.2026

    bill_and_publish(OCT)  # the 7th period without a reading

    invoice = Invoice.objects.get(account=ru.alice_account, period=OCT)
    # 3.5 m³ per resident × 2 residents = 7 m³ × 40.00
    assert cold_lines(invoice) == [("cold_water", "norm", D("7"), D("40"), D("280.00"), D("61.60"), D("341.60"))]


def test_it_averages_three_periods_after_the_verification_expired_then_applies_the_coefficient(ru):
    Meter.objects.filter(pk=ru.alice_cold.pk).update(verification_due=dt.date(2026, 6, 15))
    readings(ru.alice_cold, dt.date(2025, 12, 1), [5, 10, 15, 20, 25, 30, 35, 40, 45])  # 12.2025..08.2026

    bill_and_publish(AUG)
    bill_and_publish(OCT)

    august = Invoice.objects.get(account=ru.alice_account, period=AUG)
    # Readings after the expiry do not count: the average of 12.2025..06.2026 is 5 m³.
    assert cold_lines(august) == [("cold_water", "average", D("5"), D("40"), D("200.00"), D("44.00"), D("244.00"))]
    october = Invoice.objects.get(account=ru.alice_account, period=OCT)
    # The 4th period after the expiry: norm 7 m³ × coefficient 1.5 = 10.5 m³.
    assert cold_lines(october) == [
        ("cold_water", "norm_coef", D("10.5"), D("40"), D("420.00"), D("92.40"), D("512.40"))
    ]
    assert october.lines.get().details["coefficient"] == "1.50"


def test_it_recalculates_averaged_periods_when_a_late_reading_arrives(ru):
    readings(ru.alice_cold, FEB, [5, 10, 15, 20, 25, 30, 35])  # 02..08
    bill_and_publish(SEP)  # no reading for 09: average 5 m³
    reading(ru.alice_cold, OCT, 43)  # 8 m³ since 08, over two months: 4 m³ each

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=ru.alice_account, period=OCT)
    assert cold_lines(invoice) == [
        ("cold_water", "metered", D("4"), D("40"), D("160.00"), D("35.20"), D("195.20")),
        ("cold_water", "correction", D("-1"), D("40"), D("-40.00"), D("-8.80"), D("-48.80")),
    ]
    correction = invoice.lines.get(kind="correction")
    assert correction.details["reason"] == "late_reading"
    assert correction.details["period"] == "09.2026"
    assert invoice.total == D("146.40")
    # The next period does not correct September again.
    reading(ru.alice_cold, dt.date(2026, 11, 1), 48)
    bill_and_publish(dt.date(2026, 11, 1))
    november = Invoice.objects.get(account=ru.alice_account, period=dt.date(2026, 11, 1))
    assert cold_lines(november) == [("cold_water", "metered", D("5"), D("40"), D("200.00"), D("44.00"), D("244.00"))]


def test_it_charges_art_155_penalties_across_the_30_and_90_day_thresholds_and_a_rate_change(ru):
    KeyRate.objects.create(valid_from=dt.date(2025, 7, 28), rate=D("9.5"))
    KeyRate.objects.create(valid_from=dt.date(2026, 9, 15), rate=D("8.0"))
    debtor = ru.alice_second_account
    invoice_create(
        account=debtor,
        period=dt.date(2026, 6, 1),
        lines=[LineSpec(ru.services["cold_water"], "", D(25), "m3", D(40), D(0), method="metered")],
        issued_on=dt.date(2026, 7, 1),
        due_on=dt.date(2026, 7, 15),
    )

    for period in (AUG, SEP, OCT):
        bill_and_publish(period)

    penalties = [Invoice.objects.get(account=debtor, period=p).lines.get(kind="penalty") for p in (AUG, SEP, OCT)]
    # Accrued to the end of each month, rounded once; each invoice charges the rest:
    # 08: days 31-47 (17 days) × 1/300 × 9.5 % × 1000.00 = 161500/30000 = 5.3833 → 5.38
    # 09: + 14 days at 9.5 % and 16 days at 8 %, all at 1/300:
    #     1000 × (9.5 × 31 + 8 × 16) / 30000 = 422500/30000 = 14.0833 → 14.08 - 5.38 = 8.70
    # 10: + days 78-90 (13) at 1/300 and days 91-108 (18) at 1/130, 8 %:
    #     1000 × (9.5 × 31 + 8 × 29) / 30000 + 1000 × 8 × 18 / 13000 = 17.55 + 11.0769
    #     = 28.6269 → 28.63 - 14.08 = 14.55 (month by month: 3.4667 + 11.0769 → 14.54)
    assert [p.total for p in penalties] == [D("5.38"), D("8.70"), D("14.55")]
    assert penalties[2].details["days_300"] == 13
    assert penalties[2].details["days_130"] == 18
    # No penalty on penalties: the principal stays 1000.00 while the debt grows.
    balance = sum(LedgerEntry.objects.filter(account=debtor).values_list("amount", flat=True))
    assert balance == D("1028.63")
    assert LedgerEntry.objects.filter(account=debtor, kind="penalty").count() == 3


def test_it_stops_penalties_once_the_debt_is_paid(ru):
    from kabinet.payments.services import payment_register

    KeyRate.objects.create(valid_from=dt.date(2025, 7, 28), rate=D("9.5"))
    debtor = ru.alice_second_account
    invoice_create(
        account=debtor,
        period=dt.date(2026, 6, 1),
        lines=[LineSpec(ru.services["cold_water"], "", D(25), "m3", D(40), D(0), method="metered")],
        issued_on=dt.date(2026, 7, 1),
        due_on=dt.date(2026, 7, 15),
    )
    # Half paid on 20.08: the debt is owed through the day it is paid (ЖК РФ ст.155 ч.14),
    # so 15.08-20.08 on 1000.00, 21.08-31.08 on 500.00.
    payment_register(account=debtor, amount=D("500.00"), paid_on=dt.date(2026, 8, 20), channel="bank", external_id="p1")

    bill_and_publish(AUG)

    penalty = Invoice.objects.get(account=debtor, period=AUG).lines.get(kind="penalty")
    # 1000 × 0.095/300 × 6 + 500 × 0.095/300 × 11 = 1.9 + 1.7417 = 3.6417 → 3.64
    assert penalty.total == D("3.64")


def test_it_does_not_bill_years_of_consumption_on_a_first_reading(ru):
    reading(ru.alice_cold, OCT, 500)  # the meter was installed in 2022 at 0 and never read

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=ru.alice_account, period=OCT)
    # Billed by norm (7 m³), flagged for staff; the reading starts the history.
    assert cold_lines(invoice) == [("cold_water", "norm", D("7"), D("40"), D("280.00"), D("61.60"), D("341.60"))]
    run = invoice.run
    assert ["100001", "no_previous_reading:CW-1001"] in run.summary["anomalies"]


def test_the_month_a_verification_runs_out_in_is_the_first_of_the_three_averaged(ru):
    """ПП 354 п.59 «а», п.60: the verification ran out on 1 November (the meter is good
    through the 1st), so the November window refused its reading. November, December and
    January are billed by the average; February by the norm × residents × 1.5."""
    Meter.objects.filter(pk=ru.alice_cold.pk).update(verification_due=dt.date(2026, 11, 1))
    readings(ru.alice_cold, dt.date(2026, 4, 1), [5, 10, 15, 20, 25, 30, 35])  # 04..10.2026

    for period in (dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1), dt.date(2027, 2, 1)):
        bill_and_publish(period)

    def cold(period):
        return cold_lines(Invoice.objects.get(account=ru.alice_account, period=period))

    # (35 - 5) / 6 months = 5 m³ × 40.00 = 200.00 + 22 % VAT 44.00
    average = [("cold_water", "average", D("5"), D("40"), D("200.00"), D("44.00"), D("244.00"))]
    assert cold(dt.date(2026, 11, 1)) == average
    assert cold(dt.date(2026, 12, 1)) == average
    assert cold(dt.date(2027, 1, 1)) == average
    # 3.5 m³ × 2 residents × 1.5 = 10.5 m³ × 40.00 = 420.00 + 92.40 VAT
    assert cold(dt.date(2027, 2, 1)) == [
        ("cold_water", "norm_coef", D("10.5"), D("40"), D("420.00"), D("92.40"), D("512.40"))
    ]


def test_a_meter_good_through_the_last_day_of_the_month_is_billed_as_usual_that_month(ru):
    Meter.objects.filter(pk=ru.alice_cold.pk).update(verification_due=dt.date(2026, 10, 31))
    readings(ru.alice_cold, dt.date(2026, 4, 1), [5, 10, 15, 20, 25, 30, 37])  # 04..10.2026

    bill_and_publish(OCT)

    # Read in October while still verified: 37 - 30 = 7 m³ metered.
    invoice = Invoice.objects.get(account=ru.alice_account, period=OCT)
    assert cold_lines(invoice) == [("cold_water", "metered", D("7"), D("40"), D("280.00"), D("61.60"), D("341.60"))]


def test_billing_applies_a_reading_queued_before_the_window_that_no_job_applied(ru):
    """Typed on 10 October, before the 23rd–25th window; the hourly job never ran while the
    window was open. The October run decides it first and bills it as metered."""
    import time_machine

    from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
    from kabinet.meters.submission import reading_submit

    readings(ru.alice_cold, dt.date(2026, 4, 1), [5, 10, 15, 20, 25, 30])  # 04..09.2026
    with time_machine.travel(dt.datetime(2026, 10, 10, 9, tzinfo=dt.UTC), tick=False):
        early = reading_submit(meter=ru.alice_cold, value="38", source=ReadingSource.PORTAL, actor=ru.alice)
    assert early.status == ReadingStatus.QUEUED and early.period == OCT

    with time_machine.travel(dt.datetime(2026, 11, 1, 3, tzinfo=dt.UTC), tick=False):
        bill_and_publish(OCT)

    assert Reading.objects.get(pk=early.pk).status == ReadingStatus.ACCEPTED
    invoice = Invoice.objects.get(account=ru.alice_account, period=OCT)
    # 38 - 30 = 8 m³ × 40.00 = 320.00 + 22 % VAT 70.40
    assert cold_lines(invoice) == [("cold_water", "metered", D("8"), D("40"), D("320.00"), D("70.40"), D("390.40"))]


def test_a_late_reading_corrects_the_sewerage_billed_on_the_estimate_too(ru):
    from kabinet.billing.tests.factories import sewerage

    drain = sewerage(ru.services, ru.alice_account)
    tariff(drain, "30.00")
    readings(ru.alice_cold, FEB, [5, 10, 15, 20, 25, 30, 35])  # 02..08
    bill_and_publish(SEP)  # no reading for 09: average 5 m³ of cold water, and so of sewerage
    reading(ru.alice_cold, OCT, 43)  # 8 m³ since 08, over two months: 4 m³ each

    bill_and_publish(OCT)

    invoice = Invoice.objects.get(account=ru.alice_account, period=OCT)
    drained = [row for row in lines_of(invoice) if row[0] == "sewerage"]
    assert drained == [
        # 4 m³ × 30.00 = 120.00 + 22 % VAT 26.40
        ("sewerage", "parent", D("4"), D("30"), D("120.00"), D("26.40"), D("146.40")),
        # September drained 5 m³, really 4: −1 m³ × 30.00 = −30.00 − 6.60
        ("sewerage", "correction", D("-1"), D("30"), D("-30.00"), D("-6.60"), D("-36.60")),
    ]
    correction = invoice.lines.get(kind="correction", service=drain)
    assert correction.details["reason"] == "late_reading"
    assert correction.details["period"] == "09.2026"
    assert correction.details["follows"] == "cold_water"
    from django.utils import translation

    from kabinet.billing.receipts import line_note

    with translation.override("en"):
        assert line_note(correction).endswith("this service is billed on that volume")
    # cold 195.20 − 48.80, sewerage 146.40 − 36.60
    assert invoice.total == D("256.20")
    # November corrects nothing again.
    reading(ru.alice_cold, dt.date(2026, 11, 1), 48)
    bill_and_publish(dt.date(2026, 11, 1))
    november = Invoice.objects.get(account=ru.alice_account, period=dt.date(2026, 11, 1))
    assert not november.lines.filter(kind="correction").exists()
