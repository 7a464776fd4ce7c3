import pytest

from kabinet.meters.models import Reading


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_submits_a_reading_on_a_phone_and_shows_the_receipt(live_server, page, password):
    from kabinet.test import Personas

    personas = Personas("lv")
    personas.utility.reading_window_first_day = 1  # the window is open every day
    personas.utility.save()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=identifier]", "alice@example.com")
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Submit readings").first.click()
    field = page.get_by_label("New reading (m³)").first
    field.fill("123,78")
    # Nothing overflows a 360 px screen.
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)"
        ".map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide
    page.get_by_role("button", name="Submit readings").click()
    page.wait_for_url("**/readings/receipt/**")
    text = page.locator("main").inner_text()
    assert "Reading receipt" in text
    assert "123,78 entered, 123.7 used" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert Reading.objects.get().status == "accepted"
