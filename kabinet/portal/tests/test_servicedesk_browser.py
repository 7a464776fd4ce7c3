import pytest
from django.urls import reverse

from kabinet.servicedesk.models import ServiceRequest
from kabinet.test import PASSWORD, Personas, menu_open, png_bytes


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_files_a_request_with_a_photo_on_a_phone(page, live_server, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    personas = Personas("lv")
    # A transactional test starts from a flushed database: the categories a data
    # migration created may be gone if another transactional test ran first.
    import importlib

    from django.apps import apps

    importlib.import_module("kabinet.servicedesk.migrations.0002_default_categories").create(apps, None)
    photo = tmp_path / "leak.png"
    photo.write_bytes(png_bytes(64, 48))
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])

    page.goto(live_server.url + reverse("portal:login"))
    page.fill("input[name=identifier]", personas.alice.email)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + reverse("portal:dashboard"))

    menu_open(page)
    page.get_by_role("link", name="Service requests").click()
    page.get_by_role("link", name="Call a specialist").click()
    page.select_option("select[name=category]", label="Leak, burst pipe ⚠")
    # An emergency category: the emergency line is in view at once.
    page.locator("#emergency-note.urgent").wait_for()  # the enhancing script loads deferred, from a file
    assert page.locator("#emergency-note.urgent").is_visible()
    assert "+371 654 00000" in page.locator("#emergency-note").inner_text()
    page.fill("textarea[name=description]", "Water on the kitchen floor")
    page.fill("input[name=phone]", "+371 20000000")
    page.set_input_files("input[name=photos]", str(photo))
    page.get_by_role("button", name="Send the request").focus()
    page.keyboard.press("Enter")

    req = None
    page.wait_for_selector("text=Water on the kitchen floor")
    req = ServiceRequest.objects.get()
    assert page.url.endswith(reverse("portal:request-detail", args=[req.pk]))
    image = page.locator(".photos img")
    image.scroll_into_view_if_needed()  # the photo is lazy-loaded
    # The photo really loads (served to its owner), whatever the machine's load.
    page.wait_for_function(
        "() => { const i = document.querySelector('.photos img'); return i && i.complete && i.naturalWidth === 64; }"
    )
    # The page fits a 360 px phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("link", name="All requests").click()
    page.get_by_text(f"№ {req.number}").first.wait_for()  # the list has loaded
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
