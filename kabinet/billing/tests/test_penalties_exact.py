"""Penalties exact to the kopeck and the cent: accrued per debt continuously and rounded
once (ЖК РФ ст.155 ч.14 and the Latvian daily percentage), a payment lowering the base
from the next day, late days of the billed month itself, and the VAT note on penalties.

Every expected figure is worked out by hand from the rule in the comment above it."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from kabinet.billing import receipts
from kabinet.billing.models import Invoice, KeyRate, LedgerEntry
from kabinet.billing.penalties import (
    LV_DAILY,
    RU155,
    DebtItem,
    Movement,
    PenaltyPolicy,
    penalties_for,
    penalty_may_accrue,
)
from kabinet.billing.services import LineSpec, invoice_create
from kabinet.billing.tests.factories import bill_and_publish
from kabinet.lib.periods import month_end

D = Decimal
JUL, AUG, SEP, OCT, NOV = (dt.date(2026, m, 1) for m in (7, 8, 9, 10, 11))

# The presets' policies (kabinet.test.make_utility): the Russian one has the law's 30 free
# days at a 9.5 % key rate (ПП №329: fixed until 2027-01-01); the Latvian one charges
# 0.05 % a day, here from the day after the due date.
RU = PenaltyPolicy(RU155, grace_days=30, key_rates=[(dt.date(2025, 7, 28), D("9.5"))])
LV = PenaltyPolicy(LV_DAILY, grace_days=0, daily_percent=D("0.05"), cap_percent=D("10"))


def monthly(policy, item, movements, periods):
    """Bill `periods` one after another as the run does: each invoice's line is what
    the rule returns with what the earlier lines charged."""
    lines = []
    for period in periods:
        item.charged = sum(lines, D("0.00"))
        results = penalties_for(policy=policy, items=[item], movements=movements, first=period, last=month_end(period))
        lines.append(results[0].amount if results else D("0.00"))
    return lines


# --- 1. continuous accrual, rounded once (pure rules) -----------------------------------------


def test_it_rounds_the_art_155_penalty_once_over_four_months():
    debt = DebtItem(1, "2026-000001", D("1000.00"), dt.date(2026, 7, 1), dt.date(2026, 7, 15))

    lines = monthly(RU, debt, [Movement(dt.date(2026, 7, 1), D("1000.00"))], [AUG, SEP, OCT, NOV])

    # Due 15.07: day 31 of delay is 15.08, day 90 is 13.10, day 91 is 14.10.
    # A day at 1/300: 1000 × 9.5 / 100 / 300 = 0.316667; at 1/130: 1000 × 9.5 / 100 / 130 = 0.730769.
    # Accrued to 31.08: 17 × 0.316667 = 5.383333 → 5.38
    # to 30.09: + 30 × 0.316667 = 14.883333 → 14.88 (line 9.50)
    # to 31.10: + 13 × 0.316667 + 18 × 0.730769 = 32.153846 → 32.15 (line 17.27)
    # to 30.11: + 30 × 0.730769 = 54.076923 → 54.08 (line 21.93)
    # Month by month the lines would be 5.38 + 9.50 + 17.27 + 21.92 = 54.07: a kopeck short.
    assert lines == [D("5.38"), D("9.50"), D("17.27"), D("21.93")]
    assert sum(lines) == D("54.08")


def test_it_rounds_the_latvian_penalty_once_over_four_months():
    debt = DebtItem(1, "2026-000001", D("123.45"), dt.date(2026, 7, 10), dt.date(2026, 7, 25))

    lines = monthly(LV, debt, [Movement(dt.date(2026, 7, 10), D("123.45"))], [JUL, AUG, SEP, OCT])

    # A day: 123.45 × 0.05 % = 0.061725. Accrued to 31.07: 6 days (26.-31.07) = 0.37035 → 0.37
    # to 31.08: 37 days = 2.283825 → 2.28 (line 1.91); to 30.09: 67 days = 4.135575 → 4.14
    # (line 1.86); to 31.10: 98 days = 6.04905 → 6.05 (line 1.91). The cap (12.35) is not reached.
    # Month by month: 0.37 + 1.91 + 1.85 + 1.91 = 6.04.
    assert lines == [D("0.37"), D("1.91"), D("1.86"), D("1.91")]
    assert sum(lines) == D("6.05")


def test_it_stops_the_latvian_penalty_at_the_configured_cap():
    policy = PenaltyPolicy(LV_DAILY, grace_days=0, daily_percent=D("0.2"), cap_percent=D("5"))
    debt = DebtItem(1, "2026-000001", D("100.00"), dt.date(2026, 7, 10), dt.date(2026, 7, 25))

    lines = monthly(policy, debt, [Movement(dt.date(2026, 7, 10), D("100.00"))], [JUL, AUG, SEP])

    # 0.2 % × 100.00 = 0.20 a day: 6 days in July = 1.20; 37 days to 31.08 = 7.40, above
    # the cap of 5 % × 100.00 = 5.00: August charges 5.00 - 1.20 = 3.80, September nothing.
    assert lines == [D("1.20"), D("3.80"), D("0.00")]
    august = penalties_for(
        policy=policy,
        items=[DebtItem(1, "2026-000001", D("100.00"), dt.date(2026, 7, 10), dt.date(2026, 7, 25), D("1.20"))],
        movements=[Movement(dt.date(2026, 7, 10), D("100.00"))],
        first=AUG,
        last=month_end(AUG),
    )[0]
    assert (august.details["capped"], august.details["cap_percent"]) == ("5.00", "5")


# --- 2. a payment lowers the base from the next day (pure rules) -------------------------------


def test_it_charges_art_155_penalty_through_the_day_of_payment():
    debt = DebtItem(1, "2026-000001", D("1000.00"), dt.date(2026, 7, 1), dt.date(2026, 7, 15))
    paid = [Movement(dt.date(2026, 7, 1), D("1000.00")), Movement(dt.date(2026, 8, 20), D("-400.00"), payment=True)]

    [line] = penalties_for(policy=RU, items=[debt], movements=paid, first=AUG, last=month_end(AUG))

    # 15.-20.08 (6 days, the day of payment included) on 1000.00, 21.-31.08 (11 days) on 600.00:
    # (1000 × 6 + 600 × 11) × 9.5 / 100 / 300 = 12600 × 0.095 / 300 = 3.99
    assert line.amount == D("3.99")
    assert line.details["days_300"] == 17


def test_it_charges_the_latvian_penalty_through_the_day_of_payment():
    debt = DebtItem(1, "2026-000001", D("123.45"), dt.date(2026, 7, 10), dt.date(2026, 7, 25))
    paid = [Movement(dt.date(2026, 7, 10), D("123.45")), Movement(dt.date(2026, 7, 28), D("-123.45"), payment=True)]

    [line] = penalties_for(policy=LV, items=[debt], movements=paid, first=JUL, last=month_end(JUL))

    # Late 26., 27. and 28.07 (the day it is paid): 3 × 123.45 × 0.05 % = 0.185175 → 0.19
    assert line.amount == D("0.19")
    assert line.details["days"] == 3


def test_it_lets_a_policy_count_a_payment_from_its_own_day():
    same_day = PenaltyPolicy(RU155, grace_days=30, key_rates=RU.key_rates, payment_lag_days=0)
    debt = DebtItem(1, "2026-000001", D("1000.00"), dt.date(2026, 7, 1), dt.date(2026, 7, 15))
    paid = [Movement(dt.date(2026, 7, 1), D("1000.00")), Movement(dt.date(2026, 8, 20), D("-400.00"), payment=True)]

    [line] = penalties_for(policy=same_day, items=[debt], movements=paid, first=AUG, last=month_end(AUG))

    # 15.-19.08 (5 days) on 1000.00, 20.-31.08 (12 days) on 600.00:
    # (5000 + 7200) × 0.095 / 300 = 3.863333 → 3.86
    assert line.amount == D("3.86")


def test_it_lowers_the_base_on_the_day_of_a_credit_that_is_not_a_payment():
    debt = DebtItem(1, "2026-000001", D("1000.00"), dt.date(2026, 7, 1), dt.date(2026, 7, 15))
    credited = [Movement(dt.date(2026, 7, 1), D("1000.00")), Movement(dt.date(2026, 8, 20), D("-400.00"))]

    [line] = penalties_for(policy=RU, items=[debt], movements=credited, first=AUG, last=month_end(AUG))

    # A recalculation lowers the debt itself from its day: as above, 3.86.
    assert line.amount == D("3.86")


# --- 3. which accounts can owe a penalty (pure rule) --------------------------------------------


def lv_july(**kwargs):
    values = {"opening": D("0"), "closing": D("0"), "earliest_due": dt.date(2026, 7, 25), "last_credit": None}
    values.update(kwargs)
    return penalty_may_accrue(LV, first=JUL, last=month_end(JUL), **values)


def test_it_names_the_latvian_customer_who_owed_nothing_on_the_first_but_pays_late():
    # Issued 10.07, due 25.07, late from 26.07: unpaid on 31.07, or paid on 26.07 or later.
    assert lv_july(closing=D("123.45"))
    assert lv_july(last_credit=dt.date(2026, 7, 26))
    # Paid on 25.07 (lowers the base from 26.07: nothing is late), or owing nothing at all.
    assert not lv_july(last_credit=dt.date(2026, 7, 25))
    assert not lv_july(earliest_due=None)
    # Owing principal when the month began is enough.
    assert lv_july(opening=D("0.01"), earliest_due=None)


def test_it_names_no_russian_customer_before_the_31st_day_of_delay():
    def ru_august(**kwargs):
        values = {"opening": D("0"), "closing": D("1000.00"), "last_credit": None}
        values.update(kwargs)
        return penalty_may_accrue(RU, first=AUG, last=month_end(AUG), **values)

    # Invoiced 01.08, due 15.08: day 31 of delay is 15.09, after the period.
    assert not ru_august(earliest_due=dt.date(2026, 8, 15))
    # A charge posted in August that was due 15.07 is late from 15.08 (day 31).
    assert ru_august(earliest_due=dt.date(2026, 7, 15))
    assert not ru_august(earliest_due=dt.date(2026, 7, 15), closing=D("0"), last_credit=dt.date(2026, 8, 14))
    assert ru_august(earliest_due=dt.date(2026, 7, 15), closing=D("0"), last_credit=dt.date(2026, 8, 15))
    assert not penalty_may_accrue(None, first=AUG, last=month_end(AUG), opening=D("1"), closing=D("1"),
                                  earliest_due=None, last_credit=None)  # fmt: skip


# --- the run, both presets ---------------------------------------------------------------------


@pytest.fixture
def lv(personas):
    utility = personas.utility
    utility.penalty_policy = "lv_daily"
    utility.penalty_grace_days = 0
    utility.save()  # 0.05 % a day, cap 10 %: the model's defaults
    return personas


@pytest.fixture
def ru(ru_personas):
    KeyRate.objects.create(valid_from=dt.date(2025, 7, 28), rate=D("9.5"))
    return ru_personas


def june_invoice(account, amount, issued_on, due_on, service=None):
    return invoice_create(
        account=account,
        period=dt.date(2026, 6, 1),
        lines=[LineSpec(service, "Apsaimniekošana", D(1), "month", D(amount), D(0), method="fixed")],
        issued_on=issued_on,
        due_on=due_on,
    )


def penalty_lines(account, periods):
    return [
        sum(
            Invoice.objects.get(account=account, period=p).lines.filter(kind="penalty").values_list("total", flat=True),
            D("0.00"),
        )
        for p in periods
    ]


def test_it_bills_the_continuous_art_155_penalty_over_four_runs(ru):
    debtor = ru.alice_second_account
    june_invoice(debtor, "1000.00", dt.date(2026, 7, 1), dt.date(2026, 7, 15), ru.services["cold_water"])

    for period in (AUG, SEP, OCT, NOV):
        bill_and_publish(period)

    # As in test_it_rounds_the_art_155_penalty_once_over_four_months: accrued 5.383333,
    # 14.883333, 32.153846, 54.076923 → 5.38, 14.88, 32.15, 54.08; each run charges the rest.
    assert penalty_lines(debtor, (AUG, SEP, OCT, NOV)) == [D("5.38"), D("9.50"), D("17.27"), D("21.93")]
    penalties = LedgerEntry.objects.filter(account=debtor, kind="penalty").values_list("amount", flat=True)
    assert sum(penalties) == D("54.08")
    november = Invoice.objects.get(account=debtor, period=NOV).lines.get(kind="penalty")
    assert (november.details["accrued"], november.details["charged_before"]) == ("54.08", "32.15")


def test_it_bills_the_latvian_penalty_from_the_day_after_the_due_date_in_the_billed_month(lv):
    debtor = lv.alice_second_account
    june_invoice(debtor, "123.45", dt.date(2026, 7, 10), dt.date(2026, 7, 25))

    for period in (JUL, AUG, SEP, OCT):
        bill_and_publish(period)

    # The customer owed nothing on 01.07; late from 26.07 all the same. As in
    # test_it_rounds_the_latvian_penalty_once_over_four_months: 0.37, 1.91, 1.86, 1.91.
    assert penalty_lines(debtor, (JUL, AUG, SEP, OCT)) == [D("0.37"), D("1.91"), D("1.86"), D("1.91")]
    july = Invoice.objects.get(account=debtor, period=JUL).lines.get(kind="penalty")
    assert july.details["days"] == 6


def test_it_bills_the_late_days_of_a_latvian_customer_who_paid_before_the_month_ended(lv):
    from kabinet.payments.services import payment_register

    debtor = lv.alice_second_account
    june_invoice(debtor, "123.45", dt.date(2026, 7, 10), dt.date(2026, 7, 25))
    payment_register(account=debtor, amount=D("123.45"), paid_on=dt.date(2026, 7, 28), channel="bank", external_id="l1")

    bill_and_publish(JUL)
    bill_and_publish(AUG)

    # 26., 27., 28.07 (the day of payment included): 3 × 0.061725 = 0.185175 → 0.19; none after.
    assert penalty_lines(debtor, (JUL, AUG)) == [D("0.19"), D("0.00")]


def test_it_charges_the_russian_debt_through_the_day_it_is_paid(ru):
    from kabinet.payments.services import payment_register

    debtor = ru.alice_second_account
    june_invoice(debtor, "1000.00", dt.date(2026, 7, 1), dt.date(2026, 7, 15), ru.services["cold_water"])
    payment_register(
        account=debtor, amount=D("1000.00"), paid_on=dt.date(2026, 8, 20), channel="bank", external_id="r1"
    )

    bill_and_publish(AUG)
    bill_and_publish(SEP)

    # Days 31-36 of delay, 15.-20.08 (the day of payment included): 6 × 1000 × 9.5 / 100 / 300
    # = 1.90 (counting the payment from its own day: 5 days, 1.58). Nothing in September.
    assert penalty_lines(debtor, (AUG, SEP)) == [D("1.90"), D("0.00")]


def test_it_charges_a_russian_charge_posted_after_it_fell_due_from_its_31st_day(ru):
    debtor = ru.alice_second_account
    # Issued late, on 10.08, for a debt that was due 15.07: the customer owed nothing on 01.08.
    june_invoice(debtor, "1000.00", dt.date(2026, 8, 10), dt.date(2026, 7, 15), ru.services["cold_water"])

    bill_and_publish(AUG)

    # Day 31 of delay is 15.08: 15.-31.08 = 17 days × 1000 × 9.5 / 100 / 300 = 5.383333 → 5.38
    assert penalty_lines(debtor, (AUG,)) == [D("5.38")]


# --- 7. the receipt says why penalties carry no VAT ------------------------------------------


@pytest.mark.parametrize(
    ("preset", "note"),
    [("lv", "Late-payment penalties are outside the scope of VAT."), ("ru", "Penalties are not subject to VAT.")],
)
def test_it_explains_on_the_receipt_why_penalties_carry_no_vat(preset, note, request):
    personas = request.getfixturevalue(preset)
    debtor = personas.alice_second_account
    service = personas.services["cold_water"] if preset == "ru" else None
    june_invoice(debtor, "1000.00", dt.date(2026, 7, 10), dt.date(2026, 7, 25), service)
    bill_and_publish(OCT)
    with_penalty = Invoice.objects.get(account=debtor, period=OCT)
    without = Invoice.objects.get(account=debtor, period=dt.date(2026, 6, 1))

    with translation.override("en"):
        assert with_penalty.penalty_total > 0
        assert note in receipts.receipt_html(with_penalty)
        assert note not in receipts.receipt_html(without)


@pytest.mark.parametrize(
    ("preset", "note"),
    [("lv", "Late-payment penalties are outside the scope of VAT."), ("ru", "Penalties are not subject to VAT.")],
)
def test_it_explains_on_the_invoice_page_why_penalties_carry_no_vat(preset, note, request, client):
    personas = request.getfixturevalue(preset)
    debtor = personas.alice_second_account
    service = personas.services["cold_water"] if preset == "ru" else None
    june_invoice(debtor, "1000.00", dt.date(2026, 7, 10), dt.date(2026, 7, 25), service)
    bill_and_publish(OCT)
    invoice = Invoice.objects.get(account=debtor, period=OCT)
    client.cookies["django_language"] = "en"
    client.force_login(personas.alice)

    with time_machine.travel(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)):
        response = client.get(reverse("portal:invoice-detail", args=[invoice.pk]))

    assert response.status_code == 200
    assert note in response.content.decode()


def test_it_states_the_configured_cap_on_the_receipt(lv):
    utility = lv.utility
    utility.penalty_daily_percent = D("0.2")
    utility.penalty_cap_percent = D("5")
    utility.save()
    debtor = lv.alice_second_account
    june_invoice(debtor, "100.00", dt.date(2026, 7, 10), dt.date(2026, 7, 25))
    bill_and_publish(AUG)
    line = Invoice.objects.get(account=debtor, period=AUG).lines.get(kind="penalty")

    with translation.override("en"):
        note = receipts.line_note(line)

    # 37 days × 0.2 % × 100.00 = 7.40, capped at 5 % × 100.00 = 5.00.
    assert line.total == D("5.00")
    assert "5%" in note and "10%" not in note
