"""A reading with a photo of the meter in the portal, in two steps that work without
JavaScript: attach the photo (the value read from it is filled in, nothing is sent),
then confirm or correct the value and submit."""

import datetime as dt
import io
import re
import shutil
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from bench.meter_faces import face_jpeg
from kabinet.meters.models import Reading, ReadingPhoto, ReadingSource, ReadingStatus

pytestmark = pytest.mark.django_db

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def photo_file(data: bytes, name: str = "meter.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def small_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (240, 240, 240)).save(out, "JPEG")
    return out.getvalue()


def attach(client, personas, meter, data: bytes, **extra):
    return client.post(
        reverse("portal:readings-photo"),
        {"account": personas.alice_account.pk, "meter": meter.pk, "photo": photo_file(data), **extra},
    )


def value_field(page: str, meter) -> str:
    found = re.search(rf'name="value_{meter.pk}" value="([^"]*)"', page)
    return found.group(1) if found else ""


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Debian's tesseract-ocr (`tesseract`)")
@time_machine.travel(IN_WINDOW, tick=False)
def test_the_value_read_from_the_photo_is_offered_and_sent_only_when_confirmed(
    client, settings, private_media, personas
):
    settings.READINGS_PHOTO_OCR = True
    client.force_login(personas.alice)
    response = attach(client, personas, personas.alice_cold, face_jpeg("00123456", decimals=3, seed=5, clean=True))
    assert response.status_code == 302
    photo = ReadingPhoto.objects.get()
    # The drums show 00123 and 456; the utility takes its own number of decimals (1 here).
    assert personas.alice_cold.service.reading_decimals == 1
    assert photo.suggested_value == "00123.4" and photo.reading is None
    assert not Reading.objects.exists()  # step one submits nothing

    page = client.get(response["Location"]).content.decode()
    assert "We read 00123.4 from the photo. Is that right?" in page
    assert value_field(page, personas.alice_cold) == "00123.4"
    assert f'name="photo_{personas.alice_cold.pk}" value="{photo.pk}"' in page
    assert not Reading.objects.exists()

    # The customer confirms (submits the form as filled in).
    done = client.post(
        reverse("portal:readings"),
        {
            "account": personas.alice_account.pk,
            f"value_{personas.alice_cold.pk}": "00123.4",
            f"photo_{personas.alice_cold.pk}": photo.pk,
        },
    )
    assert done.status_code == 302
    reading = Reading.objects.get()
    assert (reading.value, reading.source, reading.status) == (
        Decimal("123.4"),
        ReadingSource.PORTAL,
        ReadingStatus.ACCEPTED,
    )
    assert list(reading.photos.all()) == [photo]


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_customer_corrects_the_value_and_the_photo_goes_with_it(client, settings, private_media, personas):
    settings.READINGS_PHOTO_OCR = False  # nothing read: the customer types the value
    client.force_login(personas.alice)
    attach(client, personas, personas.alice_hot, small_jpeg())
    photo = ReadingPhoto.objects.get()
    page = client.get(f"{reverse('portal:readings')}?photo={photo.pk}").content.decode()
    assert "The photo is attached. Enter the reading as you see it on the meter." in page
    assert value_field(page, personas.alice_hot) == ""
    client.post(
        reverse("portal:readings"),
        {f"value_{personas.alice_hot.pk}": "12,5", f"photo_{personas.alice_hot.pk}": photo.pk},
    )
    assert Reading.objects.get().value == Decimal("12.5")
    photo.refresh_from_db()
    assert photo.reading.meter == personas.alice_hot


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_refused_value_keeps_its_photo_for_the_retry(client, settings, private_media, personas):
    settings.READINGS_PHOTO_OCR = False
    client.force_login(personas.alice)
    attach(client, personas, personas.alice_cold, small_jpeg())
    photo = ReadingPhoto.objects.get()
    response = client.post(
        reverse("portal:readings"),
        {f"value_{personas.alice_cold.pk}": "12.34.5", f"photo_{personas.alice_cold.pk}": photo.pk},
    )
    assert response.status_code == 400
    page = response.content.decode()
    # The photo is still there, shown and carried by the form for the corrected value.
    assert f'name="photo_{personas.alice_cold.pk}" value="{photo.pk}"' in page
    assert ReadingPhoto.objects.filter(pk=photo.pk).exists()
    client.post(
        reverse("portal:readings"),
        {f"value_{personas.alice_cold.pk}": "12.3", f"photo_{personas.alice_cold.pk}": photo.pk},
    )
    photo.refresh_from_db()
    assert photo.reading.value == Decimal("12.3")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"MZ\x90\x00 an executable", "The file is not a JPEG or PNG photo."),
        (b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024), "The photo is larger than 10 MB."),
    ],
)
@time_machine.travel(IN_WINDOW, tick=False)
def test_a_corrupt_or_oversized_upload_gets_a_clear_message_and_changes_nothing(
    client, settings, private_media, personas, data, message
):
    settings.READINGS_PHOTO_OCR = False
    client.force_login(personas.alice)
    response = attach(client, personas, personas.alice_cold, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReadingPhoto.objects.exists() and not Reading.objects.exists()


@time_machine.travel(IN_WINDOW, tick=False)
def test_another_customer_gets_404_for_the_photo_and_cannot_use_it(client, settings, private_media, personas):
    settings.READINGS_PHOTO_OCR = False
    client.force_login(personas.alice)
    attach(client, personas, personas.alice_cold, small_jpeg())
    photo = ReadingPhoto.objects.get()
    url = reverse("portal:reading-photo", args=[photo.pk])
    own = client.get(url)
    assert own.status_code == 200 and own["Content-Type"] == "image/jpeg"
    assert own["Content-Security-Policy"] == "default-src 'none'"

    client.force_login(personas.bob)
    assert client.get(url).status_code == 404
    # Not offered on bob's form, and not linked to bob's reading when he names it.
    page = client.get(f"{reverse('portal:readings')}?photo={photo.pk}").content.decode()
    assert url not in page
    client.post(
        reverse("portal:readings"),
        {f"value_{personas.bob_cold.pk}": "5", f"photo_{personas.bob_cold.pk}": photo.pk},
    )
    photo.refresh_from_db()
    assert photo.reading is None
    # Nor can bob attach a photo to alice's meter.
    response = client.post(
        reverse("portal:readings-photo"),
        {"account": personas.alice_account.pk, "meter": personas.alice_cold.pk, "photo": photo_file(small_jpeg())},
    )
    assert response.status_code == 404


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_double_click_on_attach_stores_the_photo_once(client, settings, private_media, personas):
    settings.READINGS_PHOTO_OCR = False
    client.force_login(personas.alice)
    data = small_jpeg()
    first = attach(client, personas, personas.alice_cold, data)
    second = attach(client, personas, personas.alice_cold, data)
    assert first["Location"] == second["Location"] and ReadingPhoto.objects.count() == 1


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_form_keeps_the_other_meters_photo_when_a_second_is_attached(client, settings, private_media, personas):
    settings.READINGS_PHOTO_OCR = False
    client.force_login(personas.alice)
    first = attach(client, personas, personas.alice_cold, small_jpeg())
    cold = ReadingPhoto.objects.get()
    page = client.get(first["Location"]).content.decode()
    # The readings form carries it, and goes with the next photo attached.
    assert f'name="photo_{personas.alice_cold.pk}" value="{cold.pk}"' in page
    second = attach(
        client, personas, personas.alice_hot, small_jpeg() + b"\0", **{f"photo_{personas.alice_cold.pk}": cold.pk}
    )
    page = client.get(second["Location"]).content.decode()
    hot = ReadingPhoto.objects.exclude(pk=cold.pk).get()
    assert f'name="photo_{personas.alice_cold.pk}" value="{cold.pk}"' in page
    assert f'name="photo_{personas.alice_hot.pk}" value="{hot.pk}"' in page


@time_machine.travel(IN_WINDOW, tick=False)
def test_attaching_a_photo_keeps_what_was_typed_into_the_other_meters(client, settings, private_media, personas):
    """The readings form itself posts to the photo's address ("Attach the photo" is its
    button with a formaction), as a browser does without JavaScript."""
    settings.READINGS_PHOTO_OCR = False
    client.force_login(personas.alice)
    cold, hot = personas.alice_cold, personas.alice_hot
    form = client.get(reverse("portal:readings")).content.decode()
    assert f'name="photo_meter" value="{hot.pk}" formaction="{reverse("portal:readings-photo")}"' in form
    assert 'id="photo-form-' not in form  # no separate form that would lose the typed values

    response = client.post(
        reverse("portal:readings-photo"),
        {
            "account": personas.alice_account.pk,
            "client_key": "0f6d2c1e-5b7a-4c3d-9e8f-1a2b3c4d5e6f",
            f"value_{cold.pk}": "123,4",
            f"value_{hot.pk}": "",
            "photo_meter": hot.pk,
            f"photo_file_{hot.pk}": photo_file(small_jpeg()),
        },
    )

    assert response.status_code == 302 and not Reading.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert value_field(page, cold) == "123,4"
    assert f'name="photo_{hot.pk}" value="{ReadingPhoto.objects.get(meter=hot).pk}"' in page


@time_machine.travel(IN_WINDOW, tick=False)
def test_attaching_without_a_file_says_so_and_keeps_the_typed_values(client, private_media, personas):
    client.force_login(personas.alice)
    cold, hot = personas.alice_cold, personas.alice_hot
    response = client.post(
        reverse("portal:readings-photo"),
        {"account": personas.alice_account.pk, f"value_{cold.pk}": "55", "photo_meter": hot.pk},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "Choose a photo of the meter first." in page
    assert value_field(page, cold) == "55" and not ReadingPhoto.objects.exists()
