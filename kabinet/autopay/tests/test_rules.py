import datetime as dt
from decimal import Decimal

from kabinet.autopay.rules import after_failure, charge_date, charge_decision


def test_it_charges_on_the_invoice_day_or_the_next_day_n():
    issued = dt.date(2026, 11, 10)
    assert charge_date(mode="on_issue", day=None, issued_on=issued) == issued
    assert charge_date(mode="day_of_month", day=20, issued_on=issued) == dt.date(2026, 11, 20)
    assert charge_date(mode="day_of_month", day=10, issued_on=issued) == issued
    assert charge_date(mode="day_of_month", day=5, issued_on=issued) == dt.date(2026, 12, 5)
    assert charge_date(mode="day_of_month", day=5, issued_on=dt.date(2026, 12, 10)) == dt.date(2027, 1, 5)


def test_it_never_charges_part_of_an_invoice_above_the_maximum():
    assert charge_decision(owed=Decimal("50.00"), max_amount=Decimal("50.00")) == "charge"
    assert charge_decision(owed=Decimal("50.01"), max_amount=Decimal("50.00")) == "over_limit"
    assert charge_decision(owed=Decimal("0.00"), max_amount=Decimal("50.00")) == "not_needed"


def test_it_retries_twice_then_pauses_after_three_declines():
    kw = {"retry_days": [1, 3], "pause_after": 3}
    assert after_failure(reason="insufficient_funds", tries=1, declines_in_row=1, **kw) == "retry"
    assert after_failure(reason="insufficient_funds", tries=2, declines_in_row=2, **kw) == "retry"
    assert after_failure(reason="insufficient_funds", tries=3, declines_in_row=3, **kw) == "pause"
    # A new invoice's tries after an old success: gives up on this one without pausing.
    assert after_failure(reason="general_decline", tries=3, declines_in_row=2, **kw) == "give_up"
    assert after_failure(reason="card_expired", tries=1, declines_in_row=1, **kw) == "pause"
