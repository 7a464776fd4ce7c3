"""The inspector's offline queue end to end in Chromium at 360 px: a stop recorded with no
connection waits on the phone and arrives once when the connection returns."""

import pytest
from django.utils import timezone

from kabinet.inspection.models import ControlCheck, Route, RouteStop
from kabinet.meters.models import Meter
from kabinet.test import png_bytes

# The page runs the portal's service worker (conftest.page blocks it elsewhere).
pytestmark = pytest.mark.service_worker


def wait_for_worker(page):
    """Until the service worker is active and controls the page."""
    active = "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))"
    for _attempt in range(50):
        if page.evaluate(active):
            break
        page.wait_for_timeout(200)
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10_000)


def todays_route():
    """ivars's route for today: alice's premises, then bob's."""
    from kabinet.test import Personas, role_logins

    p = Personas("lv")
    ivars = role_logins(["Inspector"])["Inspector"]
    route = Route.objects.create(date=timezone.localdate(), inspector=ivars, name="Rīgas iela")
    first = RouteStop.objects.create(route=route, premises=p.alice_account.premises, order=1)
    second = RouteStop.objects.create(route=route, premises=p.bob_account.premises, order=2)
    return route, first, second


def log_in(page, live_server, inspector, password, next_path):
    """The back office's login on the phone, on to `next_path` with the worker running."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/office/login/?next={next_path}")
    page.fill("input[name=username]", inspector.username)
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + next_path)
    wait_for_worker(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_keeps_a_stop_on_the_phone_offline_and_sends_it_once_when_back(
    live_server, page, password, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    route, stop, _second = todays_route()
    log_in(page, live_server, route.inspector, password, f"/inspection/routes/{route.pk}/")

    page.context.set_offline(True)
    section = page.locator(f"#stop-{stop.pk}")
    section.get_by_label("Control reading (m³)").first.fill("135,5")
    section.get_by_label("Seal broken or missing").first.check()
    section.get_by_label("Photo of the meter").first.set_input_files(
        files=[{"name": "meter.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    section.get_by_role("button", name="Save this stop").click()
    status = page.locator("#offline-status")
    status.get_by_text("No connection: this stop is saved on this phone").wait_for()
    assert "1. Rīgas iela 5-12" in status.inner_text()
    assert not ControlCheck.objects.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.context.set_offline(False)  # the "online" event sends the queue
    status.get_by_text("The stops saved on this phone have been sent").wait_for()
    section.get_by_text("Checked").wait_for()
    check = ControlCheck.objects.get()
    assert (check.meter, str(check.value), check.seal_intact, check.status, check.photo_type) == (
        Meter.objects.get(serial_number="CW-1001"),  # alice's cold water
        "135.500",
        False,
        "flagged",
        "image/png",
    )
    queued = (
        "new Promise(r => { const q = indexedDB.open('kabinet-inspection', 1); q.onsuccess = () => { "
        "const g = q.result.transaction('queue').objectStore('queue').getAll(); "
        "g.onsuccess = () => r(g.result.length); }; })"
    )
    assert page.evaluate(queued) == 0

    # Opened again later: nothing is sent twice.
    page.reload()
    page.locator(f"#stop-{stop.pk}").get_by_text("Checked").wait_for()
    assert ControlCheck.objects.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


SAVED = """async () => {
  if (!(await caches.has("kabinet-pages"))) return [];
  const cache = await caches.open("kabinet-pages");
  return (await cache.keys()).map(r => { const u = new URL(r.url); return u.pathname + u.search; }).sort();
}"""
SAVED_TEXT = """async (url) => {
  const cache = await caches.open("kabinet-pages");
  const page = await cache.match(url);
  return page ? await page.text() : "";
}"""


def poll(page, check, what):
    for _attempt in range(75):
        if check():
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the service worker did not {what}: {page.evaluate(SAVED)}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_route_opens_on_the_phone_with_no_signal_and_logging_out_drops_it(
    live_server, page, password, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    route, first, second = todays_route()
    route_path = f"/inspection/routes/{route.pk}/"
    log_in(page, live_server, route.inspector, password, "/inspection/")
    expected = sorted(["/inspection/", "/offline/pages/", route_path])
    poll(page, lambda: page.evaluate(SAVED) == expected, "keep the route list and today's route")

    # The first stop is recorded with signal: the phone's copy of the route follows.
    page.goto(live_server.url + route_path)
    section = page.locator(f"#stop-{first.pk}")
    section.get_by_label("Control reading (m³)").first.fill("135")
    section.get_by_role("button", name="Save this stop").click()
    section.get_by_text("Checked").wait_for()
    done = f'action="/inspection/stops/{first.pk}/"'
    poll(page, lambda: done not in page.evaluate(SAVED_TEXT, route_path), "fetch the route again")

    # In the basement the route opens from the phone, says so, and queues the next stop.
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/inspection/")
    assert "saved on this device" in page.locator("[data-kabinet-saved]").inner_text()
    page.get_by_role("link", name="Rīgas iela").click()
    page.wait_for_url(f"**{route_path}")
    assert "saved on this device" in page.locator("[data-kabinet-saved]").inner_text()
    page.locator(f"#stop-{first.pk} .badge").get_by_text("Checked").wait_for()
    assert page.locator(f"#stop-{first.pk} form").count() == 0  # done: not offered again
    section = page.locator(f"#stop-{second.pk}")
    section.get_by_label("Control reading (m³)").first.fill("88")
    section.get_by_role("button", name="Save this stop").click()
    page.locator("#offline-status").get_by_text("No connection: this stop is saved on this phone").wait_for()
    assert ControlCheck.objects.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.context.set_offline(False)
    page.locator("#offline-status").get_by_text("The stops saved on this phone have been sent").wait_for()
    assert sorted(str(c.value) for c in ControlCheck.objects.all()) == ["135.000", "88.000"]

    # Logging out leaves none of the route on the phone.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_function("caches.keys().then(keys => !keys.includes('kabinet-pages'))", timeout=10_000)
    assert page.evaluate(SAVED) == []
