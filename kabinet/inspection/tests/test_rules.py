"""The flag rule without a database."""

from decimal import Decimal as D

from kabinet.inspection.rules import check_verdict


def verdict(value, customer, tolerance="2", seal_intact=True, damaged=False):
    return check_verdict(
        value=None if value is None else D(value),
        customer_value=None if customer is None else D(customer),
        tolerance=D(tolerance),
        seal_intact=seal_intact,
        damaged=damaged,
    )


def test_it_flags_a_difference_beyond_the_tolerance():
    v = verdict("135", "120")
    assert (v.flagged, v.difference, v.reasons) == (True, D("15"), ("difference",))


def test_it_does_not_flag_within_the_tolerance_nor_exactly_at_it():
    assert verdict("121.5", "120").flagged is False
    assert verdict("122", "120").flagged is False
    assert verdict("118", "120").flagged is False
    assert verdict("117.9", "120").flagged is True  # under-reporting is not the only way


def test_it_flags_a_broken_seal_a_damaged_meter_and_an_unreadable_one():
    assert verdict("120", "120", seal_intact=False).reasons == ("seal",)
    assert verdict("120", "120", damaged=True).reasons == ("damaged",)
    assert verdict(None, "120", damaged=True).reasons == ("damaged", "unreadable")


def test_it_has_nothing_to_compare_without_the_customers_reading():
    v = verdict("50", None)
    assert (v.flagged, v.difference) == (False, None)
