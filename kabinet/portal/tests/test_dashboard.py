import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.lib.periods import add_months
from kabinet.meters.models import Reading
from kabinet.payments.services import payment_register


def issue(account, period, amount, service):
    return invoice_create(
        account=account,
        period=period,
        lines=[
            LineSpec(
                service=service,
                description="Water",
                quantity=Decimal("1"),
                unit="m3",
                price=Decimal(amount),
                vat_rate=Decimal("0"),
                method="metered",
            )
        ],
        issued_on=add_months(period, 1).replace(day=10),
        due_on=add_months(period, 1).replace(day=25),
    )


def test_it_sends_anonymous_visitors_to_login(client, db):
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("portal:login"))


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def test_it_shows_balance_invoices_and_meters(client, personas):
    cold = personas.services["cold_water"]
    issue(personas.alice_account, dt.date(2026, 9, 1), "12.50", cold)
    issue(personas.alice_account, dt.date(2026, 10, 1), "10.00", cold)
    Reading.objects.create(
        meter=personas.alice_cold,
        period=dt.date(2026, 10, 1),
        value=Decimal("123.400"),
        source="portal",
        status="accepted",
    )
    client.force_login(personas.alice)
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "22.50 EUR" in page  # the debt: both invoices unpaid
    assert "2026-000002" in page and "2026-000001" in page
    assert "CW-1001" in page and "123.4" in page
    assert "01.03.2028" in page  # verification due


def test_it_shows_credit_after_overpayment(client, personas):
    issue(personas.alice_account, dt.date(2026, 9, 1), "12.50", personas.services["cold_water"])
    payment_register(
        account=personas.alice_account,
        amount=Decimal("20.00"),
        paid_on=dt.date(2026, 10, 12),
        channel="bank",
        external_id="B-1",
    )
    client.force_login(personas.alice)
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "7.50 EUR" in page
    assert "Credit" in page


def test_it_never_shows_another_customers_data(client, personas):
    issue(personas.bob_account, dt.date(2026, 9, 1), "99.99", personas.services["cold_water"])
    client.force_login(personas.alice)
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "200001" not in page and "CW-2001" not in page and "99.99" not in page
    # Choosing bob's account by id is ignored.
    client.post(reverse("portal:account-choose"), {"account": personas.bob_account.pk})
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "200001" not in page and "CW-2001" not in page


def test_it_switches_between_own_premises(client, personas):
    client.force_login(personas.alice)
    client.post(reverse("portal:account-choose"), {"account": personas.alice_second_account.pk})
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert '<h1 id="summary-h">Saules iela 14-3, Daugavpils</h1>' in page


@pytest.mark.parametrize("language,word", [("ru", "Счётчики"), ("lv", "Skaitītāji"), ("en", "Meters")])
def test_it_speaks_the_chosen_language(client, personas, language, word):
    client.force_login(personas.alice)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert word in client.get(reverse("portal:dashboard")).content.decode()


def test_its_query_count_does_not_grow_with_invoices(client, personas):
    cold = personas.services["cold_water"]
    client.force_login(personas.alice)
    issue(personas.alice_account, dt.date(2020, 1, 1), "1.00", cold)
    client.get(reverse("portal:dashboard"))  # warm the per-process utility profile cache
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("portal:dashboard")).status_code == 200
    period = dt.date(2020, 2, 1)
    for _ in range(99):
        issue(personas.alice_account, period, "1.00", cold)
        Reading.objects.create(
            meter=personas.alice_cold,
            period=period,
            value=Decimal("1"),
            source="portal",
            status="accepted",
        )
        period = add_months(period, 1)
    with CaptureQueriesContext(connection) as hundred:
        assert client.get(reverse("portal:dashboard")).status_code == 200
    assert len(hundred) == len(one)
    assert len(one) <= 8
