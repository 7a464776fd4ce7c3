"""End to end in headless Chromium at 360 px, through the real provider's own pages:
"Sign in with Citadele" on the login page, the provider's authorization form, back to
the link page, the password once, and the next time one click."""

import pytest

from kabinet.identity.models import ExternalIdentity
from kabinet.identity.tests.conftest import ALICE_SUB
from kabinet.test import PASSWORD, Personas, menu_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def at_the_bank(page, sub: str) -> None:
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_a_customer_links_the_bank_once_and_then_signs_in_with_it(live_server, page, providers, settings):
    settings.SITE_URL = live_server.url  # the redirect URI the browser is sent back to
    personas = Personas("lv")
    # The provider's page asks a CDN for its stylesheet: not reachable from here, not needed.
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())

    page.goto(f"{live_server.url}/login/")
    page.get_by_role("button", name="EN").click()
    page.get_by_role("button", name="Sign in with Citadele").click()
    assert page.url.startswith(providers["citadele"] + "/oauth2/authorize?")
    at_the_bank(page, ALICE_SUB)

    page.get_by_role("heading", name="Link this identity to your Kabinet login").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_label("Account number, client code or e-mail").fill("100001")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Link and log in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert ExternalIdentity.objects.get().user == personas.alice

    menu_open(page)
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_url(f"{live_server.url}/login/")
    page.get_by_role("button", name="Sign in with Citadele").click()
    at_the_bank(page, ALICE_SUB)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/access/")
    assert page.get_by_role("heading", name="Sign-in with a bank or ID provider").is_visible()
    assert page.get_by_text("Citadele", exact=True).is_visible()
