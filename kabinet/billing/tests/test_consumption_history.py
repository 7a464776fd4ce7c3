"""Consumption by month: the rules that merge billed and read months (pure functions), and
the selector around them."""

import datetime as dt
from decimal import Decimal

import time_machine

from kabinet.billing.selectors import (
    MonthUse,
    consumption_history,
    consumption_merge,
    consumption_periods,
    consumption_rows,
)
from kabinet.billing.tests.factories import bill_and_publish, sewerage, tariff
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus

D = Decimal
SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)


# --- the rules, without a database --------------------------------------------------------------
def test_a_billed_month_wins_over_its_readings():
    billed = {(1, OCT): MonthUse(OCT, D("5.0"), D("7.99"))}
    read = {(1, OCT): MonthUse(OCT, D("4.0")), (1, NOV): MonthUse(NOV, D("7.5"))}

    merged = consumption_merge(billed, read)

    assert merged == {(1, OCT): MonthUse(OCT, D("5.0"), D("7.99")), (1, NOV): MonthUse(NOV, D("7.5"))}


def test_it_shows_months_up_to_the_newest_from_the_first_with_data():
    figures = {(1, SEP): MonthUse(SEP, D("1")), (2, NOV): MonthUse(NOV, D("2"))}

    assert consumption_periods(figures, months=12) == [SEP, OCT, NOV]
    assert consumption_periods(figures, months=2) == [OCT, NOV]
    assert consumption_periods({}, months=12) == []
    # Up to a given month: exactly that many months, with or without data.
    assert consumption_periods({}, months=2, until=OCT) == [SEP, OCT]


def test_it_pairs_each_month_with_the_year_before_and_marks_what_is_not_billed_yet():
    year_ago = dt.date(2025, 10, 1)
    figures = {
        (1, OCT): MonthUse(OCT, D("5.0"), D("7.99")),
        (1, year_ago): MonthUse(year_ago, D("15.8"), D("22.94")),
        (1, NOV): MonthUse(NOV, D("7.5")),
    }

    sep, octo, nov = consumption_rows(figures, 1, [SEP, OCT, NOV], billed_until=OCT)

    assert sep.month == MonthUse(SEP) and not sep.month.pending  # no data, and never will be
    assert sep.year_ago == MonthUse(dt.date(2025, 9, 1))
    assert octo.month.billed and octo.year_ago.quantity == D("15.8")
    assert nov.month == MonthUse(NOV, D("7.5"), pending=True)
    # Another service without a figure in the unbilled month (sewerage has no meter).
    assert consumption_rows(figures, 2, [NOV], billed_until=OCT)[0].month == MonthUse(NOV, pending=True)


# --- the selector -------------------------------------------------------------------------------
def reading(meter, period, value, consumption, status=ReadingStatus.ACCEPTED):
    return Reading.objects.create(
        meter=meter,
        period=period,
        value=D(value),
        consumption=D(consumption),
        source=ReadingSource.STAFF,
        status=status,
    )


@time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC))
def test_it_marks_estimates_and_bills_sewerage_on_the_water_it_follows(ru_personas):
    p = ru_personas
    tariff(p.services["cold_water"], "40.00")
    tariff(p.services["hot_water"], "200.00")
    drains = sewerage(p.services, p.alice_account)
    tariff(drains, "30.00")
    Reading.objects.create(
        meter=p.alice_cold, period=SEP, value=D("100"), source=ReadingSource.STAFF, status=ReadingStatus.ACCEPTED
    )
    Reading.objects.create(
        meter=p.alice_hot, period=SEP, value=D("50"), source=ReadingSource.STAFF, status=ReadingStatus.ACCEPTED
    )
    reading(p.alice_cold, OCT, "112", "12")
    reading(p.alice_hot, OCT, "53", "3")
    reading(p.alice_cold, NOV, "118", "6", status=ReadingStatus.ESTIMATED)  # read in Nov, not billed
    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        bill_and_publish(OCT)

    uses = consumption_history(p.alice_account, today=dt.date(2026, 12, 7))

    by_code = {use.service.code: use for use in uses}
    assert list(by_code) == ["cold_water", "hot_water", "sewerage"]
    cold, hot, drained = by_code["cold_water"], by_code["hot_water"], by_code["sewerage"]
    # 12 × 40.00 = 480.00 + 22% 105.60 = 585.60; 3 × 200.00 = 600.00 + 132.00 = 732.00;
    # sewerage: (12 + 3) × 30.00 = 450.00 + 99.00 = 549.00.
    assert [r.month.period for r in cold.rows] == [OCT, NOV]
    assert cold.rows[0].month == MonthUse(OCT, D("12"), D("585.60"))
    assert hot.rows[0].month == MonthUse(OCT, D("3"), D("732.00"))
    assert drained.rows[0].month == MonthUse(OCT, D("15"), D("549.00"))
    assert cold.rows[1].month == MonthUse(NOV, D("6"), None, estimated=True, pending=True)
    assert drained.rows[1].month == MonthUse(NOV, pending=True)
    assert cold.rows[1].year_ago == MonthUse(dt.date(2025, 11, 1))
