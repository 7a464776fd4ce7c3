"""The reports in a real browser on a 360 px phone: under the Content-Security-Policy, no
page wider than the screen (a wide table scrolls in its own box), usable by keyboard."""

import pytest
from django.urls import reverse

from kabinet.office.tests.test_reports_world import World
from kabinet.portal.tests.test_browser_pages import new_context
from kabinet.test import PASSWORD, Personas

pytestmark = [pytest.mark.browser]


@pytest.fixture
def world(transactional_db) -> World:
    return World(Personas("lv"))


def test_the_reports_fit_a_phone_and_work_by_keyboard(live_server, browser, world):
    context, page = new_context(browser, live_server, "lv")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(live_server.url + reverse("admin:login"))
        page.fill("input[name=username]", world.p.carol.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("input[type=submit]").click()
        page.wait_for_url(live_server.url + reverse("admin:index"))
        page.goto(live_server.url + reverse("admin:reports") + "?period=2026-10")
        assert page.locator("div.chart > svg").count() >= 3
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path="/tmp/reports-dashboard-360.png", full_page=True)
        for slug in ("debtors", "billing", "payments"):
            page.goto(live_server.url + reverse("admin:report", args=[slug]) + "?period=2026-10")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, slug
            assert page.locator("#report").evaluate("e => getComputedStyle(e).overflowX") == "auto"
        page.screenshot(path="/tmp/reports-payments-360.png", full_page=True)
        # By keyboard: the month field, then Tab to "Show", Enter.
        page.goto(live_server.url + reverse("admin:report", args=["debtors"]))
        page.focus("#id_street")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_load_state("networkidle")
        assert "street=" in page.url
    finally:
        context.close()
    assert not problems, "\n".join(problems)
