"""A photo of the meter over the API: uploaded (multipart) before the reading, answered
with the value read from it for the app to show, then linked to the submitted reading."""

import datetime as dt
import io
import shutil

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bench.meter_faces import face_jpeg
from kabinet.meters.models import Reading, ReadingPhoto, ReadingSource

pytestmark = pytest.mark.django_db

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
PHOTOS = "/api/v1/readings/photos"


def auth(token, **headers):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en", **headers}


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (240, 240, 240)).save(out, "JPEG")
    return out.getvalue()


def upload(client, token, meter_id, data: bytes, **headers):
    return client.post(
        PHOTOS,
        {"meter_id": meter_id, "photo": SimpleUploadedFile("m.jpg", data, content_type="image/jpeg")},
        **auth(token, **headers),
    )


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Debian's tesseract-ocr (`tesseract`)")
@time_machine.travel(IN_WINDOW, tick=False)
def test_it_answers_the_value_read_and_links_the_photo_to_the_confirmed_reading(
    client, settings, private_media, personas, alice_token
):
    settings.READINGS_PHOTO_OCR = True
    response = upload(client, alice_token, personas.alice_cold.pk, face_jpeg("00042718", seed=11, clean=True))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["suggested_value"] == "00042.7"  # the utility's one decimal
    assert body["meter_id"] == personas.alice_cold.pk and body["content_type"] == "image/jpeg"
    assert not Reading.objects.exists()  # never submitted by itself

    image = client.get(body["url"], **auth(alice_token))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"

    url = f"/api/v1/readings/meters/{personas.alice_cold.pk}/readings"
    submitted = client.post(
        url,
        {"value": body["suggested_value"], "photo_id": body["id"]},
        content_type="application/json",
        **auth(alice_token, HTTP_IDEMPOTENCY_KEY="reading-with-photo-1"),
    )
    assert submitted.status_code == 201, submitted.content
    again = client.post(
        url,
        {"value": body["suggested_value"], "photo_id": body["id"]},
        content_type="application/json",
        **auth(alice_token, HTTP_IDEMPOTENCY_KEY="reading-with-photo-1"),
    )
    assert again.status_code == 200 and again.json()["id"] == submitted.json()["id"]
    reading = Reading.objects.get()
    assert reading.source == ReadingSource.API and list(reading.photos.values_list("pk", flat=True)) == [body["id"]]


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_retried_upload_with_its_key_stores_one_photo(client, settings, private_media, personas, alice_token):
    settings.READINGS_PHOTO_OCR = False
    first = upload(client, alice_token, personas.alice_hot.pk, jpeg(), HTTP_IDEMPOTENCY_KEY="photo-key-0001")
    again = upload(client, alice_token, personas.alice_hot.pk, jpeg(), HTTP_IDEMPOTENCY_KEY="photo-key-0001")
    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json() and ReadingPhoto.objects.count() == 1
    assert first.json()["suggested_value"] == ""


@pytest.mark.parametrize(
    "data, code",
    [(b"%PDF-1.7 not a photo", "not_an_image"), (b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024), "photo_too_big")],
)
def test_a_corrupt_or_oversized_upload_is_refused_with_its_reason(
    client, settings, private_media, personas, alice_token, data, code
):
    settings.READINGS_PHOTO_OCR = False
    response = upload(client, alice_token, personas.alice_cold.pk, data)
    assert response.status_code in (400, 422)
    assert response.json()["code"] == code and response.json()["message"]
    assert not ReadingPhoto.objects.exists()


@time_machine.travel(IN_WINDOW, tick=False)
def test_another_customer_neither_uploads_to_nor_sees_nor_uses_alices_photo(
    client, settings, private_media, personas, alice_token
):
    from kabinet.customers.services.api_tokens import api_token_create

    settings.READINGS_PHOTO_OCR = False
    _row, bob_token = api_token_create(user=personas.bob, name="bob's app")
    assert upload(client, alice_token, personas.bob_cold.pk, jpeg()).status_code == 404
    photo_id = upload(client, alice_token, personas.alice_cold.pk, jpeg()).json()["id"]
    assert client.get(f"{PHOTOS}/{photo_id}", **auth(bob_token)).status_code == 404
    client.post(
        f"/api/v1/readings/meters/{personas.bob_cold.pk}/readings",
        {"value": "3", "photo_id": photo_id},
        content_type="application/json",
        **auth(bob_token),
    )
    assert ReadingPhoto.objects.get(pk=photo_id).reading is None
