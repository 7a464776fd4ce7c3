"""Automatic payment as alice switches it on and off in Chromium on a 360 px phone, with the
sandbox provider's page in between: found from the payments page, the form filled from the
keyboard, the card saved, one click (and a confirmation) to stop."""

import pytest

from kabinet.autopay.models import Mandate, SavedMethod


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_alice_switches_automatic_payment_on_and_stops_it(live_server, page, password, settings):
    from kabinet.autopay.tests.conftest import readings_for
    from kabinet.test import Personas, menu_open

    settings.PAYMENT_PROVIDER = "sandbox"
    p = Personas("lv")
    readings_for(p)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=identifier]", "alice@example.com")
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    menu_open(page)
    page.get_by_role("link", name="Payments", exact=True).click()
    page.get_by_role("link", name="Automatic payment").click()
    page.wait_for_url("**/autopay/")
    fits(page)

    # From the keyboard: the account, "on a day of the month", the 20th, at most 50,00.
    page.get_by_label("Account").select_option(label=f"100001 · {p.alice_account.premises.address}")
    page.get_by_label("On a day of the month").focus()
    page.keyboard.press("Space")
    page.get_by_label("Day of the month", exact=True).select_option("20")
    page.get_by_label("Maximum amount").fill("50,00")
    page.get_by_label("Maximum amount").press("Enter")

    # The provider's page: pay and save the card.
    page.wait_for_url("**/pay/sandbox/**")
    fits(page)
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url("**/autopay/")
    page.get_by_text("Your card is saved and automatic payment is on.").wait_for()
    main = page.locator("main").inner_text()
    assert "On day 20 of the month" in main and "50.00 EUR" in main and "4242" in main
    fits(page)
    mandate = Mandate.objects.get(status="active")
    assert (mandate.account, mandate.day, str(mandate.max_amount)) == (p.alice_account, 20, "50.00")
    assert SavedMethod.objects.count() == 1

    page.get_by_role("link", name="Stop automatic payment").click()
    page.wait_for_url(f"**/autopay/{mandate.pk}/stop/")
    assert "nothing more will be charged to your card" in page.locator("main").inner_text()
    fits(page)
    page.get_by_role("button", name="Stop automatic payment").click()
    page.get_by_text("Automatic payment is stopped. Nothing more will be charged.").wait_for()
    mandate.refresh_from_db()
    assert mandate.status == "stopped"
    fits(page)
