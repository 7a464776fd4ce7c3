"""The customer's invoice pages: what alice sees, what bob and others never see."""

import datetime as dt
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
import time_machine
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.billing.tests.factories import bill_and_publish, reading, tariff
from kabinet.customers.models import AccessRole, AccountAccess
from kabinet.payments.services import payment_register
from kabinet.test import make_login

D = Decimal
NOW = dt.datetime(2026, 12, 12, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def billed(personas):
    """Alice billed for 10.2025, 09.2026 and 10.2026, and a payment in between."""
    p = personas
    tariff(p.services["cold_water"], "1.20")
    tariff(p.services["hot_water"], "4.50")
    for period, cold, hot in (
        (dt.date(2025, 9, 1), "10.0", "5.0"),
        (dt.date(2025, 10, 1), "20.0", "7.0"),
        (dt.date(2026, 8, 1), "80.0", "30.0"),
        (dt.date(2026, 9, 1), "90.0", "32.0"),
        (dt.date(2026, 10, 1), "95.0", "33.0"),
    ):
        reading(p.alice_cold, period, cold)
        reading(p.alice_hot, period, hot)
    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        bill_and_publish(dt.date(2025, 10, 1))
        bill_and_publish(dt.date(2026, 9, 1))
        payment_register(
            account=p.alice_account, amount=D("30.00"), paid_on=dt.date(2026, 10, 20), channel="bank", external_id="b1"
        )
        bill_and_publish(dt.date(2026, 10, 1))
    p.invoices = {i.period: i for i in Invoice.objects.filter(account=p.alice_account)}
    return p


def urls(invoice):
    return [
        reverse("portal:invoices"),
        reverse("portal:statement"),
        reverse("portal:statement-pdf"),
        reverse("portal:consumption"),
        reverse("portal:invoice-detail", args=[invoice.pk]),
        reverse("portal:invoice-receipt", args=[invoice.pk]),
        reverse("portal:invoice-pdf", args=[invoice.pk]),
    ]


@time_machine.travel(NOW)
def test_it_lists_unpaid_invoices_and_the_debt(en_client, billed, password):
    en_client.login(username="alice@example.com", password=password)

    response = en_client.get(reverse("portal:invoices"))

    page = response.content.decode()
    # 10.2025: 10 m³ cold (14.52) + 2 m³ hot (10.89) = 25.41
    # 09.2026: 10 m³ cold (14.52) + 2 m³ hot (10.89) = 25.41; paid 30.00
    # 10.2026: 5 m³ cold (7.26) + 1 m³ hot (5.45) = 12.71 → debt 33.53
    assert "To pay: <strong>33.53 EUR</strong>" in page
    assert "Unpaid invoices" in page
    october, september = billed.invoices[dt.date(2026, 10, 1)], billed.invoices[dt.date(2026, 9, 1)]
    assert october.number in page and september.number in page
    assert "20.82" in page  # the part of September's invoice still unpaid (33.53 - 12.71)


@time_machine.travel(NOW)
def test_it_shows_an_invoice_with_readings_and_the_comparison(en_client, billed, password):
    en_client.login(username="alice@example.com", password=password)
    october = billed.invoices[dt.date(2026, 10, 1)]

    page = en_client.get(reverse("portal:invoice-detail", args=[october.pk])).content.decode()

    assert "by meter reading" in page
    assert "№ CW-1001: 90 → 95" in page
    assert "Compared with earlier months" in page
    # cold water: 5 m³ now, 10 m³ the month before, 10 m³ a year ago
    assert page.count("7.26 EUR") == 1 and page.count("14.52 EUR") == 2


@time_machine.travel(NOW)
def test_it_shows_the_statement_with_a_running_balance_and_as_pdf(en_client, billed, password):
    en_client.login(username="alice@example.com", password=password)

    page = en_client.get(reverse("portal:statement")).content.decode()
    pdf = en_client.get(reverse("portal:statement-pdf"))

    assert "Balance: <strong>33.53 EUR</strong>" in page
    for running in ("25.41", "50.82", "20.82", "33.53"):
        assert running in page
    text = pdfium.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert "Statement" in text and "33.53" in text and "100001" in text


@time_machine.travel(NOW)
def test_it_shows_the_consumption_comparison(en_client, billed, password):
    en_client.login(username="alice@example.com", password=password)

    page = en_client.get(reverse("portal:consumption")).content.decode()

    assert "The latest invoice is for 10.2026." in page
    assert "Cold water" in page and "Hot water" in page


@time_machine.travel(NOW)
@pytest.mark.parametrize("index", range(7))
def test_it_is_404_for_another_customer(client, billed, password, index):
    client.login(username="bob@example.com", password=password)
    url = urls(billed.invoices[dt.date(2026, 10, 1)])[index]

    response = client.get(url)

    if "/invoices/" in url and url != reverse("portal:invoices"):
        assert response.status_code == 404
    else:
        # Bob's own account pages: nothing of alice's in them.
        assert response.status_code == 200
        assert (
            b"100001" not in response.content
            and billed.invoices[dt.date(2026, 10, 1)].number.encode() not in response.content
        )


@time_machine.travel(NOW)
@pytest.mark.parametrize("index", range(7))
def test_it_is_404_for_a_readings_only_login(client, billed, password, index):
    helper = make_login(billed.alice_customer, "helper@example.com", [])
    AccountAccess.objects.create(user=helper, account=billed.alice_account, role=AccessRole.READINGS)
    client.login(username="helper@example.com", password=password)

    response = client.get(urls(billed.invoices[dt.date(2026, 10, 1)])[index])

    assert response.status_code == 404


@time_machine.travel(NOW)
@pytest.mark.parametrize("index", range(7))
def test_it_sends_anonymous_visitors_to_the_login(client, billed, index):
    response = client.get(urls(billed.invoices[dt.date(2026, 10, 1)])[index])
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_it_hides_an_invoice_before_its_invoice_day(client, billed, password):
    client.login(username="alice@example.com", password=password)
    october = billed.invoices[dt.date(2026, 10, 1)]
    with time_machine.travel(dt.datetime(2026, 11, 9, 12, 0, tzinfo=dt.UTC)):
        assert client.get(reverse("portal:invoice-detail", args=[october.pk])).status_code == 404
    with time_machine.travel(dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)):
        assert client.get(reverse("portal:invoice-detail", args=[october.pk])).status_code == 200


@time_machine.travel(NOW)
@pytest.mark.parametrize("name", ["portal:invoices", "portal:statement", "portal:consumption"])
def test_it_keeps_list_pages_to_a_few_queries(client, billed, password, django_assert_max_num_queries, name):
    client.login(username="alice@example.com", password=password)
    with django_assert_max_num_queries(12):
        assert client.get(reverse(name)).status_code == 200


@time_machine.travel(NOW)
@pytest.mark.parametrize("language,title", [("lv", "Rēķini"), ("ru", "Счета"), ("en", "Invoices")])
def test_it_speaks_the_chosen_language(client, billed, password, language, title):
    client.cookies["django_language"] = language
    client.login(username="alice@example.com", password=password)
    assert title in client.get(reverse("portal:invoices")).content.decode()
