"""The reading with a photo in a real browser, on a phone, with the readings form's
offline script running: the photo form is not taken for the readings form."""

import shutil

import pytest

from bench.meter_faces import face_jpeg
from kabinet.meters.models import Reading, ReadingPhoto


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Debian's tesseract-ocr (`tesseract`)")
@pytest.mark.django_db(transaction=True)
def test_attach_a_photo_confirm_the_value_read_and_submit(live_server, page, password, settings, tmp_path):
    from kabinet.test import Personas

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.READINGS_PHOTO_OCR = True
    personas = Personas("lv")
    personas.utility.reading_window_first_day = 1  # the window is open every day
    personas.utility.save()
    photo = tmp_path / "meter.jpg"
    photo.write_bytes(face_jpeg("00250613", decimals=3, seed=4, clean=True))
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=identifier]", "alice@example.com")
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Submit readings").first.click()
    page.set_input_files(f"#id_photo_{personas.alice_cold.pk}", str(photo))
    page.get_by_role("button", name="Attach the photo").first.click()
    page.get_by_text("We read 00250.6 from the photo. Is that right?").wait_for()
    assert not Reading.objects.exists()  # offered, not sent
    assert page.locator(f"#id_value_{personas.alice_cold.pk}").input_value() == "00250.6"
    # The thumbnail has no height until its bytes arrive: wait for it rather than
    # sampling it the instant the text is there.
    page.get_by_role("img", name="Your photo of the meter").wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Submit readings").click()
    page.wait_for_url("**/readings/receipt/**")
    reading = Reading.objects.get()
    assert str(reading.value) == "250.600" and reading.photos.get() == ReadingPhoto.objects.get()
