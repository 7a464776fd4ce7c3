import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.payments.models import Payment
from kabinet.test import PASSWORD, Personas, menu_open


@pytest.mark.browser
def test_alice_pays_an_invoice_with_the_sandbox_and_sees_it_paid(transactional_db, live_server, page):
    p = Personas("lv")
    invoice = invoice_create(
        account=p.alice_account,
        period=dt.date(2026, 9, 1),
        lines=[LineSpec(p.services["cold_water"], "Water", Decimal("1"), "m3", Decimal("18.40"), Decimal("0"))],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Account number, client code or e-mail").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    row = page.locator("tr", has_text=invoice.number)
    assert "unpaid" in row.inner_text()
    row.get_by_role("link", name="Pay").click()
    assert page.get_by_label("100001").input_value() == "18.40"
    page.get_by_role("button", name="Go to payment").click()
    page.get_by_text("Sandbox payment page").first.wait_for()
    page.get_by_role("button", name="Pay", exact=True).click()
    page.get_by_text("Thank you, your payment is registered").wait_for()
    page.get_by_role("link", name="Overview").last.click()
    row = page.locator("tr", has_text=invoice.number)
    assert "paid" in row.inner_text() and "unpaid" not in row.inner_text()
    assert "Nothing to pay" in page.content()
    # The page is usable at 360 px: nothing wider than the viewport.
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)"
        ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide
    assert Payment.objects.get().amount == Decimal("18.40")
    # The history shows the payment, its channel and the invoice it paid, also at 360 px.
    menu_open(page)
    page.get_by_role("link", name="Payments").first.click()
    history = page.locator("#hist-h + table").inner_text()
    assert "18.40" in history and "Online payment" in history and invoice.number in history
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # By keyboard: from the history to the payment form and into the amount field.
    page.get_by_role("link", name="Pay online").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/payments/pay/")
    page.get_by_label("100001").focus()
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Go to payment"
