"""End to end in headless Chromium: the customer logs in through the form, sees the dashboard
and reads it in each of the utility's languages using the language switch."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.lib.periods import add_months
from kabinet.meters.models import Reading
from kabinet.test import PASSWORD, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The dashboard's meters heading in each language (the utility's first language, lv, first).
METERS_HEADING = {"lv": "Skaitītāji", "ru": "Счётчики", "en": "Meters"}


@pytest.fixture
def demo(transactional_db) -> Personas:
    personas = Personas("lv")
    period = dt.date(2026, 8, 1)
    for value in ("12.50", "10.00"):
        invoice_create(
            account=personas.alice_account,
            period=period,
            lines=[
                LineSpec(
                    service=personas.services["cold_water"],
                    description="Cold water",
                    quantity=Decimal("5"),
                    unit="m3",
                    price=Decimal(value) / 5,
                    vat_rate=Decimal("0"),
                    method="metered",
                )
            ],
            issued_on=add_months(period, 1).replace(day=10),
            due_on=add_months(period, 1).replace(day=25),
        )
        period = add_months(period, 1)
    Reading.objects.create(
        meter=personas.alice_cold,
        period=dt.date(2026, 9, 1),
        value=Decimal("123.4"),
        source="portal",
        status="accepted",
    )
    return personas


def test_it_logs_in_and_reads_the_dashboard_in_every_language(live_server, page, demo):
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")  # anonymous: sent to the login form
    assert page.locator("html").get_attribute("lang") == "lv"  # the utility's first language

    page.fill("input[name=identifier]", "alice@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=identifier]) button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # Address, balance, invoices and meters of alice's first premises.
    assert page.locator("#summary-h").inner_text() == "Rīgas iela 5-12, Daugavpils"
    assert "100001" in page.locator(".summary").inner_text()
    assert "22,50 EUR" in page.locator(".balance").inner_text()  # Latvian: decimal comma
    invoices = page.locator("section[aria-labelledby=inv-h] tbody tr")
    assert invoices.count() == 2
    assert "2026-000002" in invoices.nth(0).inner_text()
    meters = page.locator("section[aria-labelledby=meters-h]").inner_text()
    assert "CW-1001" in meters and "HW-1001" in meters and "123,4" in meters
    assert "CW-2001" not in page.content()  # bob's meter

    for language in ("ru", "lv", "en"):
        page.click(f"form.lang button[name=language][value={language}]")
        page.wait_for_selector(f"html[lang={language}]")
        assert page.url == f"{live_server.url}/"  # the switch keeps the customer on the same page
        assert page.locator("#meters-h").inner_text() == METERS_HEADING[language]
        assert page.locator("#summary-h").inner_text() == "Rīgas iela 5-12, Daugavpils"


def test_it_fits_a_phone_screen(live_server, page, demo):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=identifier]", "alice@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")  # keyboard only
    page.wait_for_url(f"{live_server.url}/")
    # 360 px wide (the page fixture's viewport): nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
