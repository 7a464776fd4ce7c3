"""The Content-Security-Policy holds on every page in a real browser: Chromium reports no
violation (no inline script or style, nothing from another origin) on the portal's pages,
the API's documentation and the back office."""

import pytest
from django.urls import reverse

from kabinet.portal.tests.test_browser_pages import log_in, new_context, site  # noqa: F401 - the fixture
from kabinet.test import PASSWORD

pytestmark = [pytest.mark.browser]


def violations_on(page, url: str) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return seen


def test_no_page_breaks_the_content_security_policy(live_server, browser, site):  # noqa: F811
    context, page = new_context(browser, live_server, "en")
    problems = []
    try:
        for path, _status in site["public"]:
            problems += [f"{path}: {v}" for v in violations_on(page, live_server.url + path)]
        log_in(page, live_server, "alice@example.com")
        for path, _status in site["private"]:
            problems += [f"{path}: {v}" for v in violations_on(page, live_server.url + path)]
        docs = violations_on(page, live_server.url + "/api/v1/docs")
        problems += [f"/api/v1/docs: {v}" for v in docs]
        assert page.locator(".swagger-ui").count() == 1  # rendered from the app's own copy
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_the_back_office_keeps_the_policy(live_server, browser, site):  # noqa: F811
    personas = site["personas"]
    context, page = new_context(browser, live_server, "en")
    problems = []
    try:
        page.goto(live_server.url + reverse("admin:login"))
        page.fill("input[name=username]", personas.carol.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("input[type=submit]").click()
        page.wait_for_url(live_server.url + reverse("admin:index"))
        for url in (
            reverse("admin:index"),
            reverse("admin:customers_customer_changelist"),
            reverse("admin:customers_customer_change", args=[personas.alice_customer.pk]),
            reverse("admin:meters_hotline"),
            reverse("admin:billing_billingrun_preview"),
        ):
            problems += [f"{url}: {v}" for v in violations_on(page, live_server.url + url)]
    finally:
        context.close()
    assert not problems, "\n".join(problems)
