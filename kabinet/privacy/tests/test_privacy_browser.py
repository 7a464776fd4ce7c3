"""On a 360 px phone, by keyboard and without JavaScript: alice prepares her data, asks to
correct her phone and asks to erase her login."""

import pytest
from django.urls import reverse

from kabinet.privacy.models import CorrectionRequest, DataExport, ErasureRequest, ExportStatus
from kabinet.test import PASSWORD, Personas


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_alice_uses_the_privacy_pages_on_a_phone_by_keyboard_without_js(browser, live_server, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    personas = Personas("lv")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US", java_script_enabled=False)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + reverse("portal:privacy-policy"))
        fits(page)
        assert "Grāmatvedības likums" in page.content()

        page.goto(live_server.url + reverse("portal:login"))
        page.fill("input[name=identifier]", personas.alice.email)
        page.fill("input[name=password]", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + reverse("portal:dashboard"))

        page.goto(live_server.url + reverse("portal:privacy"))
        fits(page)
        page.get_by_role("button", name="Prepare my data").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Download ZIP")
        fits(page)
        assert DataExport.objects.get().status == ExportStatus.READY

        page.get_by_role("link", name="Ask to correct").click()
        fits(page)
        page.select_option("select[name=field]", "login_phone")
        page.fill("input[name=new_value]", "+371 29000000")
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + reverse("portal:privacy"))
        assert CorrectionRequest.objects.get().new_value == "+371 29000000"

        page.goto(live_server.url + reverse("portal:privacy-erasure"))
        fits(page)
        assert "Kept at least until" in page.content()
        page.fill("input[name=password]", PASSWORD)
        page.keyboard.press("Tab")
        page.keyboard.press("Space")  # the confirmation box
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Withdraw the request")
        fits(page)
        assert ErasureRequest.objects.get().status == "pending"
    finally:
        context.close()
