"""The offline reading queue and the service worker, end to end in Chromium at 360 px."""

import json

import pytest

from kabinet.meters.models import Reading, ReadingSource, ReadingStatus, SubmissionKey

QUEUE = "kabinet:reading-queue"

# These pages run the service worker (the fixture blocks it elsewhere: conftest.page).
pytestmark = pytest.mark.service_worker


def log_in(page, live_server, password, language="en"):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=identifier]", "alice@example.com")
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")


def open_window():
    from kabinet.test import Personas

    # A transactional test starts from an empty database: build the personas here, and
    # open the reading window every day of the month.
    personas = Personas("lv")
    personas.utility.reading_window_first_day = 1
    personas.utility.save()
    return personas


def wait_for_worker(page):
    """Until the service worker is active and controls the page (a page opened before the
    worker was active is not controlled until the next load)."""
    active = "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))"
    for _attempt in range(50):
        if page.evaluate(active):
            break
        page.wait_for_timeout(200)
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10_000)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_keeps_readings_on_the_phone_offline_and_sends_them_once_when_back(live_server, page, password):
    personas = open_window()
    log_in(page, live_server, password)
    page.goto(f"{live_server.url}/readings/")
    wait_for_worker(page)

    page.context.set_offline(True)
    page.get_by_label("New reading (m³)").first.fill("123,4")
    page.get_by_role("button", name="Submit readings").click()
    status = page.locator("#offline-status")
    status.get_by_text("No connection: the readings are saved on this device").wait_for()
    assert "CW-1001" in status.inner_text() and "123,4" in status.inner_text()
    assert page.get_by_label("New reading (m³)").first.input_value() == ""
    assert not Reading.objects.exists()
    queued = json.loads(page.evaluate(f"localStorage.getItem('{QUEUE}')"))
    assert len(queued) == 1 and queued[0]["user"] == str(personas.alice.pk)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.context.set_offline(False)  # the "online" event sends the queue
    status.get_by_text("The readings saved on this device have been sent").wait_for()
    assert "Accepted" in status.inner_text() and "CW-1001" in status.inner_text()
    reading = Reading.objects.get()
    assert (reading.meter, reading.entered_value, reading.source, reading.status) == (
        personas.alice_cold,
        "123,4",
        ReadingSource.PORTAL,
        ReadingStatus.ACCEPTED,
    )
    assert page.evaluate(f"localStorage.getItem('{QUEUE}')") == "[]"

    # The answer got lost and the phone sends the same submission again: still one reading.
    page.evaluate(f"localStorage.setItem('{QUEUE}', {json.dumps(json.dumps(queued))})")
    page.reload()
    status.get_by_text("The readings saved on this device have been sent").wait_for()
    assert Reading.objects.count() == 1
    assert SubmissionKey.objects.get().key == queued[0]["key"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_queued_reading_that_is_rejected_comes_back_with_the_reason(live_server, page, password):
    open_window()
    log_in(page, live_server, password)
    page.goto(f"{live_server.url}/readings/")
    page.context.set_offline(True)
    page.get_by_label("New reading (m³)").first.fill("12,3,4")
    page.get_by_role("button", name="Submit readings").click()
    page.locator("#offline-status").get_by_text("saved on this device").first.wait_for()
    page.context.set_offline(False)
    page.get_by_text("Not all readings saved on this device were accepted").wait_for()
    assert page.get_by_label("New reading (m³)").first.input_value() == "12,3,4"
    assert page.locator(".meter-row.has-error .error").count() == 1
    assert not Reading.objects.exists()  # a typo is the form's error, not a stored reading


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_offline_pages_show_the_translated_offline_page_and_nothing_personal(live_server, page, password):
    open_window()
    log_in(page, live_server, password, language="ru")
    page.goto(f"{live_server.url}/readings/")
    wait_for_worker(page)
    saved_pages(page, at_least=2)  # the worker saves in the background: slower on a busy machine
    page.wait_for_timeout(300)  # the worker refreshes the offline page in this language
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/readings/history/")
    text = page.locator("main").inner_text()
    assert "Нет подключения" in text
    assert "CW-1001" not in page.content()
    # Only the list of this customer's pages kept on the device (links to them) names the
    # account; the page itself, as cached, holds nothing personal.
    # The page fills the list from the device's cache after it loads.
    page.wait_for_function("document.querySelectorAll('#saved-pages li').length >= 2", timeout=5_000)
    assert page.locator("#saved-pages li").count() == 2
    page.evaluate("document.getElementById('saved-pages').remove()")
    assert "100001" not in page.content()
    page.context.set_offline(False)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_form_works_without_javascript(live_server, browser, password):
    open_window()
    context = browser.new_context(viewport={"width": 360, "height": 780}, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server, password)
        page.goto(f"{live_server.url}/readings/")
        page.get_by_label("New reading (m³)").first.fill("5")
        page.get_by_role("button", name="Submit readings").click()
        page.wait_for_url("**/readings/receipt/**")
        assert "Reading receipt" in page.locator("main").inner_text()
        assert Reading.objects.get().status == ReadingStatus.ACCEPTED
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_answer_lost_on_the_way_is_retried_without_a_duplicate(live_server, browser, password):
    """The phone says it is online, the server stores the readings, the answer never
    arrives: the queue keeps the submission under the same key, and the retry replays."""
    personas = open_window()
    # Routing sees every request only without a service worker in between.
    context = browser.new_context(viewport={"width": 360, "height": 780}, service_workers="block")
    page = context.new_page()
    try:
        log_in(page, live_server, password)
        page.goto(f"{live_server.url}/readings/")

        def lose_the_answer(route):
            if route.request.method != "POST":
                return route.continue_()
            route.fetch()  # the server gets it and stores the reading...
            route.abort("connectionreset")  # ...and the answer is lost

        page.route("**/readings/", lose_the_answer)
        page.get_by_label("New reading (m³)").first.fill("77")
        page.get_by_role("button", name="Submit readings").click()
        page.locator("#offline-status").get_by_text("saved on this device").first.wait_for()
        assert Reading.objects.get().meter == personas.alice_cold

        page.unroute("**/readings/")
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.locator("#offline-status").get_by_text("have been sent").wait_for()
        assert Reading.objects.count() == 1
        assert page.evaluate(f"localStorage.getItem('{QUEUE}')") == "[]"
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_finds_the_portal_installable(live_server, page, password):
    open_window()
    log_in(page, live_server, password)
    wait_for_worker(page)
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert json.loads(manifest["data"])["short_name"] == "Pilsētas ūdens"
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito ones, where Chromium never installs apps.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []


SAVED = """async () => {
  if (!(await caches.has("kabinet-pages"))) return [];
  const cache = await caches.open("kabinet-pages");
  return (await cache.keys()).map(r => { const u = new URL(r.url); return u.pathname + u.search; }).sort();
}"""


def saved_pages(page, at_least=0):
    """The URLs in the worker's cache of saved pages, once it holds `at_least` of them."""
    for _attempt in range(50):
        urls = page.evaluate(SAVED)
        if len(urls) >= at_least:
            return urls
        page.wait_for_timeout(200)
    return urls


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_installed_portal_keeps_the_readings_forms_and_last_receipts_for_a_basement(live_server, page, password):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from kabinet.billing.services import LineSpec, invoice_create
    from kabinet.test import menu_open

    personas = open_window()
    today = timezone.localdate()
    period = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    water = LineSpec(personas.services["cold_water"], "Water", Decimal("1"), "m3", Decimal("9.99"), Decimal("0"))
    invoice = invoice_create(
        account=personas.alice_account, period=period, lines=[water], issued_on=today, due_on=today
    )
    log_in(page, live_server, password)
    # A reading sent online earlier: its receipt is the last one.
    page.goto(f"{live_server.url}/readings/")
    page.get_by_label("New reading (m³)").nth(1).fill("45")
    page.get_by_role("button", name="Submit readings").click()
    page.wait_for_url("**/readings/receipt/**")
    receipt = page.url.removeprefix(live_server.url)

    page.goto(f"{live_server.url}/")
    wait_for_worker(page)
    expected = sorted(
        [
            "/offline/pages/",  # the list itself, with the texts shown offline
            "/readings/",
            f"/readings/?account={personas.alice_second_account.pk}",
            receipt,
            f"/invoices/{invoice.pk}/receipt/",
        ]
    )
    assert saved_pages(page, at_least=len(expected)) == expected  # nothing else: no dashboard, office, API

    # In the basement: the readings form opens from the device, says so, and queues.
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/readings/")
    banner = page.locator("[data-kabinet-saved]")
    assert "No connection: this page was saved on this device on" in banner.inner_text()
    page.get_by_label("New reading (m³)").first.fill("123,4")
    page.get_by_role("button", name="Submit readings").click()
    status = page.locator("#offline-status")
    status.get_by_text("No connection: the readings are saved on this device").wait_for()
    assert Reading.objects.count() == 1

    # Back upstairs: the queue goes out, once.
    page.context.set_offline(False)
    status.get_by_text("The readings saved on this device have been sent").wait_for()
    cold = Reading.objects.filter(meter=personas.alice_cold)
    assert [(r.entered_value, r.status) for r in cold] == [("123,4", ReadingStatus.ACCEPTED)]
    assert Reading.objects.count() == 2
    assert page.evaluate(f"localStorage.getItem('{QUEUE}')") == "[]"

    # Offline again: the offline page lists what the device keeps; the receipts open.
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/")
    saved = page.locator("#saved-pages")
    saved.get_by_role("link", name="Last reading receipt").click()
    page.wait_for_url(f"**{receipt}")
    assert "HW-1001" in page.locator("main").inner_text()
    assert "saved on this device" in page.locator("[data-kabinet-saved]").inner_text()
    page.goto(f"{live_server.url}/")
    saved.get_by_role("link", name=f"Invoice {invoice.number} · account 100001").click()
    page.wait_for_url(f"**/invoices/{invoice.pk}/receipt/")
    assert invoice.number in page.content()
    assert page.locator("[data-kabinet-saved]").count() == 1
    # A page it does not keep is the offline page.
    page.goto(f"{live_server.url}/readings/history/")
    assert "No connection" in page.locator("main").inner_text()
    assert page.locator("[data-kabinet-saved]").count() == 0

    # Logging out leaves nothing of this customer in the worker's cache.
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/")
    menu_open(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/login/")
    page.wait_for_function("caches.keys().then(keys => !keys.includes('kabinet-pages'))", timeout=10_000)
    assert saved_pages(page) == []
    assert "kabinet-pages" not in page.evaluate("caches.keys()")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_expired_session_drops_the_saved_pages_too(live_server, page, password):
    """No logout, so no Clear-Site-Data: the worker itself drops the pages when the portal
    sends the visitor to the login page."""
    open_window()
    log_in(page, live_server, password)
    wait_for_worker(page)
    page.reload()
    assert "/readings/" in saved_pages(page, at_least=3)
    page.context.clear_cookies()  # the session has expired
    page.goto(f"{live_server.url}/readings/")
    page.wait_for_url("**/login/**")
    page.wait_for_function("caches.keys().then(keys => !keys.includes('kabinet-pages'))", timeout=10_000)
    assert any(key.startswith("kabinet-shell-") for key in page.evaluate("caches.keys()"))
