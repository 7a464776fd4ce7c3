"""The Latvian penalty: a daily percentage, capped at 10 % of the principal."""

import datetime as dt
from decimal import Decimal

from kabinet.billing.models import Invoice
from kabinet.billing.services import LineSpec, invoice_create
from kabinet.billing.tests.factories import bill_and_publish

D = Decimal


def test_it_caps_latvian_penalties_at_ten_percent_of_the_principal(personas):
    utility = personas.utility
    utility.penalty_policy = "lv_daily"
    utility.penalty_daily_percent = D("0.2")
    utility.penalty_grace_days = 0
    utility.save()
    debtor = personas.alice_second_account
    invoice_create(
        account=debtor,
        period=dt.date(2026, 6, 1),
        lines=[LineSpec(None, "Apsaimniekošana", D(1), "month", D("100.00"), D(0), method="fixed")],
        issued_on=dt.date(2026, 7, 10),
        due_on=dt.date(2026, 7, 25),
    )

    for month in (8, 9, 10):
        bill_and_publish(dt.date(2026, month, 1))

    august = Invoice.objects.get(account=debtor, period=dt.date(2026, 8, 1))
    september = Invoice.objects.get(account=debtor, period=dt.date(2026, 9, 1))
    # Due 25.07, no grace days: late from 26.07. No July invoice here, so August charges
    # the accrued total: 26.07-31.08 = 37 days × 0.2 % × 100.00 = 7.40; September would
    # bring it to 67 days × 0.2 % × 100.00 = 13.40, capped at 10 % = 10.00: 10.00 - 7.40.
    assert august.lines.get(kind="penalty").total == D("7.40")
    assert september.lines.get(kind="penalty").total == D("2.60")
    assert september.lines.get(kind="penalty").details["capped"] == "10.00"
    assert not Invoice.objects.filter(account=debtor, period=dt.date(2026, 10, 1), lines__kind="penalty").exists()
