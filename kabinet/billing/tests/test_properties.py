"""Properties of the billing arithmetic, checked with hypothesis."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing import rating
from kabinet.billing.models import Invoice, LedgerEntry
from kabinet.billing.services import billing_run
from kabinet.billing.tests.factories import bill_and_publish, reading, tariff
from kabinet.lib.periods import add_months
from kabinet.payments.services import payment_register
from kabinet.utility.exceptions import ApplicationError

CENT = Decimal("0.01")
quantities = st.decimals(min_value=Decimal("-50"), max_value=Decimal("5000"), places=4)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=5)
vat_rates = st.sampled_from([Decimal("0"), Decimal("12"), Decimal("20"), Decimal("21"), Decimal("22")])


@given(st.lists(st.tuples(quantities, prices, vat_rates), min_size=1, max_size=12))
def test_it_totals_an_invoice_as_the_sum_of_its_rounded_lines(specs):
    lines = [
        rating.make_line(
            kind="charge",
            service_id=1,
            method="metered",
            description="",
            quantity=q,
            unit="m3",
            price=p,
            vat_rate=r,
            details={},
        )
        for q, p, r in specs
    ]
    bill = rating.Bill(1, lines)
    expected = Decimal("0.00")
    for q, p, r in specs:
        amount = (q * p).quantize(CENT, rounding=ROUND_HALF_UP)
        vat = (amount * r / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        expected += amount + vat
    assert bill.total == expected
    assert all(line.total == line.amount + line.vat for line in lines)
    assert all(line.amount == line.amount.quantize(CENT) for line in lines)


monthly = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("0"), max_value=Decimal("40"), places=1),  # consumption
        st.decimals(min_value=Decimal("0"), max_value=Decimal("80"), places=2),  # payment (0 = none)
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(months=monthly)
def test_it_keeps_the_ledger_balance_equal_to_debt_plus_charges_minus_payments(personas, months):
    with transaction.atomic():
        tariff(personas.services["cold_water"], "1.20")
        tariff(personas.services["hot_water"], "4.50")
        account = personas.alice_account
        start = dt.date(2026, 1, 1)
        value = Decimal("100.0")
        reading(personas.alice_cold, add_months(start, -1), value)
        reading(personas.alice_hot, add_months(start, -1), Decimal("10.0"))
        payments = Decimal("0.00")
        for n, (consumed, paid) in enumerate(months):
            period = add_months(start, n)
            value += consumed
            reading(personas.alice_cold, period, value)
            reading(personas.alice_hot, period, Decimal("10.0"))
            bill_and_publish(period)
            if paid:
                payment_register(
                    account=account,
                    amount=paid,
                    paid_on=add_months(period, 1).replace(day=20),
                    channel="bank",
                    external_id=f"h{n}",
                )
                payments += paid
        invoices = list(Invoice.objects.filter(account=account).order_by("period"))
        charges = sum((i.total for i in invoices), Decimal("0.00"))
        balance = sum(LedgerEntry.objects.filter(account=account).values_list("amount", flat=True))
        assert balance == invoices[0].previous_balance + charges - payments
        for before, after in zip(invoices, invoices[1:], strict=False):
            assert after.previous_balance == before.amount_due
            assert after.amount_due == after.previous_balance - after.payments_received + after.total
        # The last invoice's amount due is the balance before the payments made after it.
        last_payment = months[-1][1]
        assert invoices[-1].amount_due == balance + last_payment
        transaction.set_rollback(True)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.decimals(min_value=Decimal("0"), max_value=Decimal("30"), places=1), min_size=2, max_size=3))
def test_it_changes_nothing_when_a_period_is_billed_again(personas, values):
    with transaction.atomic():
        tariff(personas.services["cold_water"], "1.20")
        period = dt.date(2026, 10, 1)
        reading(personas.alice_cold, add_months(period, -1), Decimal("50.0"))
        reading(personas.alice_cold, period, Decimal("50.0") + sum(values))
        bill_and_publish(period)
        before = list(Invoice.objects.values_list("id", "number", "total", "amount_due"))
        entries = LedgerEntry.objects.count()
        try:
            billing_run(period=period)
        except ApplicationError:
            pass
        else:  # pragma: no cover - a second run must be refused
            raise AssertionError("the period was billed twice")
        assert list(Invoice.objects.values_list("id", "number", "total", "amount_due")) == before
        assert LedgerEntry.objects.count() == entries
        transaction.set_rollback(True)
