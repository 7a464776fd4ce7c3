"""The UBL invoice's pure rules, without a database."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from kabinet.exports import rules


def test_a_line_keeps_its_quantity_and_price_when_they_give_its_amount():
    assert rules.line_quantity_price(D("3.5"), D("4.50"), D("15.75")) == rules.UblLine(D("3.5"), D("4.50"), D("15.75"))


def test_a_line_whose_quantity_and_price_do_not_give_its_amount_is_one_unit():
    # A part month at two tariffs, a penalty with no quantity, a credit.
    assert rules.line_quantity_price(D("12"), D("1.20"), D("12.00")) == rules.UblLine(D(1), D("12.00"), D("12.00"))
    assert rules.line_quantity_price(D("0"), D("0"), D("1.37")) == rules.UblLine(D(1), D("1.37"), D("1.37"))
    assert rules.line_quantity_price(D("1"), D("-5.00"), D("-5.00")) == rules.UblLine(D(-1), D("5.00"), D("-5.00"))


def test_the_vat_breakdown_is_per_category_and_rate():
    rows = rules.vat_breakdown(
        [
            (D("21"), D("12.00"), D("2.52")),
            (D("12"), D("20.25"), D("2.43")),
            (D("21"), D("15.75"), D("3.31")),
            (D("0"), D("1.37"), D("0")),
        ]
    )
    assert rows == [
        rules.VatBreakdown("S", D("12.00"), D("20.25"), D("2.43")),
        rules.VatBreakdown("S", D("21.00"), D("27.75"), D("5.83")),
        rules.VatBreakdown("Z", D("0.00"), D("1.37"), D("0.00")),
    ]
    assert rules.totals(rows) == rules.Totals(D("49.37"), D("49.37"), D("8.26"), D("57.63"), D("57.63"))


amounts = st.decimals(min_value=D("-500"), max_value=D("5000"), places=2)


@given(st.lists(st.tuples(st.sampled_from([D("0"), D("12"), D("21")]), amounts), min_size=1, max_size=12))
def test_the_totals_are_the_sums_of_the_lines(lines):
    priced = [(rate, amount, rules.money(amount * rate / 100)) for rate, amount in lines]
    totals = rules.totals(rules.vat_breakdown(priced))
    assert totals.line_extension == sum(amount for _, amount, _ in priced)
    assert totals.tax == sum(vat for *_, vat in priced)
    assert totals.payable == totals.tax_inclusive == totals.tax_exclusive + totals.tax
