"""The home page's work queues and the customer's whole picture in a real browser: they
render under the Content-Security-Policy (no inline style) and the queue links open."""

import pytest
from django.urls import reverse

from kabinet.portal.tests.test_browser_pages import new_context, site  # noqa: F401 - the fixture
from kabinet.test import PASSWORD

pytestmark = [pytest.mark.browser]


def test_the_queues_and_the_picture_keep_the_policy(live_server, browser, site):  # noqa: F811
    personas = site["personas"]
    context, page = new_context(browser, live_server, "en")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(live_server.url + reverse("admin:login"))
        page.fill("input[name=username]", personas.carol.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("input[type=submit]").click()
        page.wait_for_url(live_server.url + reverse("admin:index"))
        assert page.locator(".work-queues .module").count() == 11
        assert page.locator(".work-queues").evaluate("e => getComputedStyle(e).display") == "grid"
        page.goto(live_server.url + reverse("admin:customers_customer_find") + "?q=CW-1001")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(reverse("admin:customers_customer_picture", args=[personas.alice_customer.pk]))
        assert page.locator("#meters").get_by_text("CW-1001").count() == 1
        assert page.locator(".picture .facts").evaluate("e => getComputedStyle(e).display") == "grid"
    finally:
        context.close()
    assert not problems, "\n".join(problems)
