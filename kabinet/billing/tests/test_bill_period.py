import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kabinet.billing.models import BillingRun, Invoice
from kabinet.billing.tests.factories import reading, tariff


@pytest.fixture
def lv(personas):
    tariff(personas.services["cold_water"], "1.20")
    reading(personas.alice_cold, dt.date(2026, 9, 1), "100.0")
    reading(personas.alice_cold, dt.date(2026, 10, 1), "112.5")
    return personas


def test_it_previews_issues_and_publishes_a_period(lv):
    out = StringIO()
    call_command("bill_period", "2026-10", "--preview", stdout=out)
    assert "1 invoices, total 18.15" in out.getvalue()
    assert not Invoice.objects.exists()

    call_command("bill_period", "2026-10", "--publish", stdout=out)

    assert Invoice.objects.get().number == "2026-000001"
    assert BillingRun.objects.get().status == "published"


def test_it_refuses_a_billed_period_and_a_bad_period(lv):
    call_command("bill_period", "2026-10", stdout=StringIO())
    with pytest.raises(CommandError, match="10.2026"):
        call_command("bill_period", "2026-10", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("bill_period", "October", stdout=StringIO())
