"""End to end in headless Chromium at 360 px: an unregistered customer registers from the
details on the invoice, activates the login from the e-mailed link and logs in."""

import io
import json

import pytest
from django.core import mail
from django.core.management import call_command, get_commands

from kabinet.notifications.services import outbox_send_due
from kabinet.test import Personas, mail_links, make_unregistered, menu_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "violet-kettle-harbour-42"


def unregistered_customer() -> dict:
    """The demo's unregistered customer (`seed_demo --json`); while kabinet.demo is not
    installed, the same details built with kabinet.test helpers."""
    if "seed_demo" in get_commands():
        out = io.StringIO()
        call_command("seed_demo", "--if-empty", "--json", "--preset", "lv", "--accounts", "30", stdout=out)
        details = json.loads(out.getvalue())["unregistered"]
        if not details.get("email"):
            details["email"] = "new.customer@example.com"
        return details
    Personas("lv")
    customer, account, invoice = make_unregistered()
    return {
        "client_code": customer.client_code,
        "account_number": account.number,
        "last_invoice_number": invoice.number,
        "last_invoice_amount": f"{invoice.amount_due:.2f}",
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": "new.customer@example.com",
    }


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_unregistered_customer_registers_activates_and_logs_in(live_server, page):
    new = unregistered_customer()
    page.goto(f"{live_server.url}/register/")
    page.get_by_role("button", name="EN").click()
    assert page.get_by_role("heading", name="Register for the customer portal").is_visible()
    assert fits_the_screen(page)

    page.get_by_label("Client code").fill(new["client_code"])
    page.get_by_label("Amount to pay on your last invoice").fill(new["last_invoice_amount"])
    page.get_by_label("First name").fill(new["first_name"])
    page.get_by_label("Last name").fill(new["last_name"])
    page.get_by_label("E-mail").fill(new["email"])
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password again").fill(PASSWORD)
    page.get_by_label("I agree").check()
    page.get_by_label("I agree").press("Tab")
    page.keyboard.press("Enter")  # the focused "Register" button: the form works by keyboard
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    assert fits_the_screen(page)

    outbox_send_due()
    (message,) = [m for m in mail.outbox if new["email"] in m.to]
    (link,) = [u for u in mail_links(message.body) if "/activate/" in u]
    page.goto(f"{live_server.url}{link}")
    assert fits_the_screen(page)
    page.get_by_role("button", name="Activate my login").click()
    page.get_by_text("Your login is active").wait_for()

    page.get_by_label("Account number, client code or e-mail").fill(new["client_code"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert new["account_number"] in page.content()
    assert fits_the_screen(page)

    # The login and access page, and logout by POST.
    menu_open(page)
    page.get_by_role("link", name="Login and access").click()
    page.get_by_role("heading", name="Login and access").wait_for()  # the page has loaded
    assert new["email"] in page.content()
    assert fits_the_screen(page)
    menu_open(page)
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in to your customer portal").wait_for()


PAGES_ANONYMOUS = ["/login/", "/register/", "/activate/resend/", "/activate/code/", "/password/reset/"]
PAGES_LOGGED_IN = ["/access/", "/access/password/", "/access/email/", "/access/premises/add/"]


def test_the_access_pages_fit_a_phone_and_work_by_keyboard(live_server, page):
    Personas("lv")
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("button", name="EN").click()
    for path in PAGES_ANONYMOUS:
        page.goto(f"{live_server.url}{path}")
        assert fits_the_screen(page), path
    page.goto(f"{live_server.url}/register/application/")
    assert fits_the_screen(page)

    # Log in with the keyboard only: Tab from the skip link through the form.
    page.goto(f"{live_server.url}/login/")
    page.keyboard.press("Tab")  # skip link
    page.get_by_label("Account number, client code or e-mail").focus()
    page.keyboard.type("alice@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("correct-horse-battery")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    for path in PAGES_LOGGED_IN:
        page.goto(f"{live_server.url}{path}")
        assert fits_the_screen(page), path
    # The invitation form: a radio group reachable by keyboard.
    page.goto(f"{live_server.url}/access/")
    page.get_by_label("E-mail of the person").fill("tenant@example.com")
    page.get_by_label("submit readings and see invoices").check()
    page.get_by_role("button", name="Send the invitation").press("Enter")
    page.get_by_text("The invitation has been sent to tenant@example.com").wait_for()
    assert fits_the_screen(page)
