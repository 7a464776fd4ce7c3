"""End to end in headless Chromium, on the seeded demo utility (`seed_demo --json`): the demo
customer logs in through the form, sees the dashboard and reads it in each language using the
language switch. test_browser_dashboard.py does the same on the test personas.

Skipped while seed_demo (kabinet.demo, the `seed` branch) is not installed."""

import io
import json

import pytest
from django.core.management import call_command, get_commands

from kabinet.billing.selectors import account_balance, invoices_for_account
from kabinet.customers.models import Account
from kabinet.meters.models import Meter

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("seed_demo" not in get_commands(), reason="seed_demo is not installed (kabinet.demo)"),
]

# The dashboard's meters heading in each language (the utility's first language, lv, first).
METERS_HEADING = {"lv": "Skaitītāji", "ru": "Счётчики", "en": "Meters"}


@pytest.fixture
def demo(transactional_db) -> dict:
    """The Latvian demo utility; its logins as `seed_demo --json` prints them."""
    out = io.StringIO()
    call_command("seed_demo", "--accounts", "20", "--json", stdout=out)
    return json.loads(out.getvalue())


def log_in(page, base_url: str, login: str, password: str) -> None:
    page.fill("input[name=identifier]", login)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=identifier]) button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_it_logs_in_and_reads_the_dashboard_in_every_language(live_server, page, demo):
    alice = demo["customers"][0]
    account = Account.objects.select_related("premises__building").get(number=alice["accounts"][0])
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")  # anonymous: sent to the login form
    assert page.locator("html").get_attribute("lang") == "lv"  # the utility's first language
    log_in(page, live_server.url, alice["login"], alice["password"])

    # The first premises: address, account number, balance, latest invoices and meters.
    assert page.locator("#summary-h").inner_text() == account.premises.address
    assert account.number in page.locator(".summary").inner_text()
    balance = account_balance(account.pk)
    amount = f"{abs(balance):.2f}".replace(".", ",")  # Latvian: decimal comma
    if balance:
        assert f"{amount} EUR" in page.locator(".balance").inner_text()
    invoices = list(invoices_for_account(account.pk)[:6])
    assert invoices, "the demo customer has invoices"
    rows = page.locator("section[aria-labelledby=inv-h] tbody tr")
    assert rows.count() == len(invoices)
    assert invoices[0].number in rows.nth(0).inner_text()
    meters = list(Meter.objects.filter(premises=account.premises, status="active"))
    assert meters, "the demo customer has meters"
    meters_text = page.locator("section[aria-labelledby=meters-h]").inner_text()
    assert all(m.serial_number in meters_text for m in meters)

    for language in ("ru", "lv", "en"):
        page.click(f"form.lang button[name=language][value={language}]")
        page.wait_for_selector(f"html[lang={language}]")
        assert page.url == f"{live_server.url}/"  # the switch keeps the customer on the same page
        assert page.locator("#meters-h").inner_text() == METERS_HEADING[language]
        assert page.locator("#summary-h").inner_text() == account.premises.address


def test_it_never_shows_another_demo_customers_account(live_server, page, demo):
    alice, bob = demo["customers"]
    page.goto(f"{live_server.url}/login/")
    log_in(page, live_server.url, alice["login"], alice["password"])
    content = page.content()
    assert all(number not in content for number in bob["accounts"])


def test_it_fits_a_phone_screen_and_works_by_keyboard(live_server, page, demo):
    alice = demo["customers"][0]
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=identifier]", alice["login"])
    page.fill("input[name=password]", alice["password"])
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    # 360 px wide (the page fixture's viewport): nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
