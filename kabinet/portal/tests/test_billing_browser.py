"""The invoice pages on a 360 px phone, in a real browser."""

import datetime as dt

import pytest
import time_machine

from kabinet.billing.models import Invoice
from kabinet.billing.tests.factories import bill_and_publish, reading, tariff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def billed(personas):
    tariff(personas.services["cold_water"], "1.20")
    tariff(personas.services["hot_water"], "4.50")
    for meter, before, now in ((personas.alice_cold, "100.0", "112.5"), (personas.alice_hot, "50.0", "53.2")):
        reading(meter, dt.date(2026, 9, 1), before)
        reading(meter, dt.date(2026, 10, 1), now)
    with time_machine.travel(dt.datetime(2026, 11, 1, tzinfo=dt.UTC)):
        bill_and_publish(dt.date(2026, 10, 1))
    return Invoice.objects.get(account=personas.alice_account)


def test_it_fits_the_invoice_pages_on_a_phone(live_server, page, billed, password):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=identifier]", "alice@example.com")
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    for path in (
        "/invoices/",
        f"/invoices/{billed.pk}/",
        "/statement/",
        "/consumption/",
        f"/invoices/{billed.pk}/receipt/",
    ):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    page.goto(f"{live_server.url}/invoices/")
    page.get_by_role("link", name=billed.number).first.click()
    assert billed.number in page.content()
