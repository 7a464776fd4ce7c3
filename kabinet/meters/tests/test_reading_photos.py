"""Photos of the meter with a reading: stored privately without EXIF, the value read from
them only suggested, and shown to staff in the review queue beside the value."""

import datetime as dt
import io
import shutil

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st
from PIL import Image

from bench.meter_faces import face_jpeg
from kabinet.meters import ocr
from kabinet.meters.models import Reading, ReadingPhoto, ReadingSource, ReadingStatus
from kabinet.meters.photos import PHOTO_MAX_BYTES, reading_photo_store, reading_photos_attach
from kabinet.meters.submission import reading_submit
from kabinet.test import role_logins
from kabinet.utility.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
NO_TESSERACT = "needs Debian's tesseract-ocr (the `tesseract` binary): apt-get install tesseract-ocr"


def upload(data: bytes, name: str = "meter.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def jpeg_with_gps() -> bytes:
    """A phone's photo: EXIF with the orientation and where it was taken."""
    img = Image.new("RGB", (40, 20), (250, 250, 250))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: turn 90 degrees to be upright
    exif[0x8825] = {1: "N", 2: (56.0, 57.0, 0.0)}  # GPS
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.skipif(shutil.which("tesseract") is None, reason=NO_TESSERACT)
def test_it_reads_the_register_of_a_clean_rendered_face():
    photo = face_jpeg("01234567", decimals=3, seed=7, clean=True)
    assert ocr.read_digits(photo, length=8) == "01234567"
    # As the customer would type it: whole cubic metres and the utility's decimals.
    assert ocr.suggest(photo, digits_before=5, digits_after=3, decimals=3) == "01234.567"
    assert ocr.suggest(photo, digits_before=5, digits_after=3, decimals=0) == "01234"


@pytest.mark.skipif(shutil.which("tesseract") is None, reason=NO_TESSERACT)
def test_it_reads_a_noisy_turned_face_with_glare():
    # Seed 3: turned some degrees, a glare and noise (bench/meter_faces.py); bench_ocr.py
    # measures how often such photos are read right.
    assert ocr.read_digits(face_jpeg("20931481", decimals=3, seed=3), length=8) == "20931481"


def test_it_suggests_nothing_without_tesseract_and_still_keeps_the_photo(
    settings, private_media, personas, monkeypatch
):
    settings.READINGS_PHOTO_OCR = True
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    photo = reading_photo_store(
        meter=personas.alice_cold,
        upload=upload(face_jpeg("00012345", seed=1, clean=True)),
        user=personas.alice,
        source=ReadingSource.PORTAL,
    )
    assert photo.suggested_value == "" and photo.file.storage.exists(photo.file.name)


def test_it_suggests_nothing_while_the_setting_is_off(settings, private_media, personas, monkeypatch):
    settings.READINGS_PHOTO_OCR = False
    monkeypatch.setattr(ocr, "suggest", lambda *a, **k: pytest.fail("OCR ran while off"))
    photo = reading_photo_store(
        meter=personas.alice_cold,
        upload=upload(face_jpeg("00012345", seed=1, clean=True)),
        user=personas.alice,
        source=ReadingSource.API,
    )
    assert photo.suggested_value == ""


def test_it_stores_the_photo_upright_without_its_exif(settings, private_media, personas):
    settings.READINGS_PHOTO_OCR = False
    photo = reading_photo_store(
        meter=personas.alice_cold, upload=upload(jpeg_with_gps()), user=personas.alice, source=ReadingSource.PORTAL
    )
    with photo.file.open("rb") as handle:
        stored = handle.read()
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG" and img.size == (20, 40)  # turned as the EXIF said
        assert not img.getexif()  # no make, no place
    assert b"PhoneMaker" not in stored
    assert photo.content_type == "image/jpeg" and photo.size == len(stored)
    assert str(private_media) in photo.file.path  # outside the web root


def test_the_same_photo_sent_twice_is_stored_once(settings, private_media, personas):
    settings.READINGS_PHOTO_OCR = False
    data = jpeg_with_gps()
    first = reading_photo_store(meter=personas.alice_cold, upload=upload(data), user=personas.alice, source="portal")
    again = reading_photo_store(meter=personas.alice_cold, upload=upload(data), user=personas.alice, source="portal")
    assert first.pk == again.pk and ReadingPhoto.objects.count() == 1


@pytest.mark.parametrize(
    "data, code",
    [
        (b"#!/bin/sh\necho not a photo\n", "not_an_image"),
        (b"\xff\xd8\xff\xe0 a broken JPEG" + b"\0" * 64, "not_an_image"),
        (b"\0\0\0\x18ftypheic" + b"\0" * 64, "heic_not_supported"),
        (b"\xff\xd8\xff" + b"\0" * PHOTO_MAX_BYTES, "photo_too_big"),
    ],
)
def test_it_refuses_what_is_not_a_photo_and_stores_nothing(settings, private_media, personas, data, code):
    settings.READINGS_PHOTO_OCR = False
    with pytest.raises(ApplicationError) as refused:
        reading_photo_store(meter=personas.alice_cold, upload=upload(data), user=personas.alice, source="portal")
    assert refused.value.code == code and refused.value.message
    assert not ReadingPhoto.objects.exists()
    assert not (private_media / "readings").exists() or not any((private_media / "readings").rglob("*.*"))


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_photo_links_only_to_its_own_meters_reading_once(settings, private_media, personas):
    settings.READINGS_PHOTO_OCR = False
    photo = reading_photo_store(
        meter=personas.alice_cold, upload=upload(jpeg_with_gps()), user=personas.alice, source="portal"
    )
    hot = reading_submit(meter=personas.alice_hot, value="5", source=ReadingSource.PORTAL, actor=personas.alice)
    bobs = reading_submit(meter=personas.bob_cold, value="5", source=ReadingSource.PORTAL, actor=personas.bob)
    # Another meter's reading, or bob naming alice's photo: nothing is linked.
    assert reading_photos_attach(user=personas.alice, photo_ids={hot.meter_id: photo.pk}, readings=[hot]) == 0
    assert reading_photos_attach(user=personas.bob, photo_ids={bobs.meter_id: photo.pk}, readings=[bobs]) == 0
    cold = reading_submit(meter=personas.alice_cold, value="7", source=ReadingSource.PORTAL, actor=personas.alice)
    assert reading_photos_attach(user=personas.alice, photo_ids={cold.meter_id: photo.pk}, readings=[cold]) == 1
    assert reading_photos_attach(user=personas.alice, photo_ids={cold.meter_id: photo.pk}, readings=[cold]) == 0
    assert list(cold.photos.all()) == [photo]


@time_machine.travel(IN_WINDOW, tick=False)
def test_staff_see_the_photo_beside_the_value_in_the_review_queue(client, settings, private_media, personas):
    settings.READINGS_PHOTO_OCR = False
    Reading.objects.create(
        meter=personas.alice_cold,
        period=dt.date(2026, 10, 1),
        value=100,
        consumption=100,
        source=ReadingSource.PORTAL,
        status=ReadingStatus.ACCEPTED,
    )
    photo = reading_photo_store(
        meter=personas.alice_cold, upload=upload(jpeg_with_gps()), user=personas.alice, source="telegram"
    )
    ReadingPhoto.objects.filter(pk=photo.pk).update(suggested_value="00090.000")
    # Lower than the previous reading: refused, kept, and waiting for review with its photo.
    refused = reading_submit(meter=personas.alice_cold, value="90", source=ReadingSource.TELEGRAM, actor=personas.alice)
    assert refused.status == ReadingStatus.REJECTED
    reading_photos_attach(user=personas.alice, photo_ids={refused.meter_id: photo.pk}, readings=[refused])
    engineer = role_logins(["Meter engineer"])["Meter engineer"]
    client.force_login(engineer)
    page = client.get(reverse("admin:meters_reading_changelist") + "?review=todo").content.decode()
    url = reverse("admin:meters_readingphoto_image", args=[photo.pk])
    assert f'src="{url}"' in page and "00090.000" in page
    image = client.get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image["Cache-Control"].startswith("private")


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_review_queue_reads_the_photos_in_one_query(
    client, settings, private_media, personas, django_assert_max_num_queries
):
    settings.READINGS_PHOTO_OCR = False
    for n, meter in enumerate([personas.alice_cold, personas.alice_hot, personas.bob_cold]):
        reading = reading_submit(meter=meter, value="0", source=ReadingSource.PORTAL, actor=None)
        Reading.objects.filter(pk=reading.pk).update(status=ReadingStatus.REJECTED)
        photo = reading_photo_store(meter=meter, upload=upload(jpeg_with_gps() + bytes([n])), user=None, source="api")
        ReadingPhoto.objects.filter(pk=photo.pk).update(reading=reading)
    client.force_login(personas.carol)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("admin:meters_reading_changelist") + "?review=todo")
    assert page.content.decode().count("/image/") >= 3


def test_staff_without_the_right_to_see_readings_get_no_photo(client, settings, private_media, personas):
    from kabinet.customers.models import User

    settings.READINGS_PHOTO_OCR = False
    photo = reading_photo_store(
        meter=personas.alice_cold, upload=upload(jpeg_with_gps()), user=personas.alice, source="portal"
    )
    clerk = User.objects.create_user(username="clerk", password="x-long-password-1", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:meters_readingphoto_image", args=[photo.pk])).status_code == 403
    # The portal's URL is the customers': staff, who are not customers, get 404 there.
    client.force_login(personas.carol)
    assert client.get(reverse("portal:reading-photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("admin:meters_readingphoto_image", args=[photo.pk])).status_code == 200


def test_photos_no_reading_took_are_deleted_after_thirty_days_with_their_files(settings, private_media, personas):
    from django.core.management import call_command

    settings.READINGS_PHOTO_OCR = False
    with time_machine.travel(dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC), tick=False):
        left = reading_photo_store(meter=personas.alice_cold, upload=upload(jpeg_with_gps()), user=None, source="api")
        kept = reading_photo_store(
            meter=personas.alice_hot, upload=upload(other_jpeg()), user=personas.alice, source="portal"
        )
        reading = reading_submit(meter=personas.alice_hot, value="5", source=ReadingSource.PORTAL, actor=personas.alice)
        reading_photos_attach(user=personas.alice, photo_ids={personas.alice_hot.pk: kept.pk}, readings=[reading])
    with time_machine.travel(dt.datetime(2026, 10, 30, 12, tzinfo=dt.UTC), tick=False):
        call_command("readings_photos_purge")
        assert ReadingPhoto.objects.count() == 2  # 29 days: not yet
    with time_machine.travel(dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC), tick=False):
        call_command("readings_photos_purge")
    assert list(ReadingPhoto.objects.all()) == [kept]
    assert not left.file.storage.exists(left.file.name) and kept.file.storage.exists(kept.file.name)


def other_jpeg() -> bytes:
    """A second JPEG, unlike the first (the same bytes twice are stored once)."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(out, "JPEG")
    return out.getvalue()


def _small(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, kind)
    return out.getvalue()


SMALL = {"JPEG": _small("JPEG"), "PNG": _small("PNG")}


@fuzz_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["JPEG", "PNG"]),
    cut=st.integers(min_value=0, max_value=400),
    flips=st.lists(st.tuples(st.integers(min_value=0, max_value=400), st.integers(0, 255)), max_size=6),
)
def test_a_damaged_photo_is_stored_or_refused_with_a_message(settings, private_media, personas, kind, cut, flips):
    """Photos cut short by a dropped connection or with bytes changed on the way: either a
    picture is stored or the customer reads why not; nothing else happens."""
    settings.READINGS_PHOTO_OCR = False
    data = bytearray(SMALL[kind][: max(cut, 8)])
    for at, byte in flips:
        if at < len(data):
            data[at] = byte
    try:
        photo = reading_photo_store(
            meter=personas.alice_cold, upload=upload(bytes(data)), user=personas.alice, source="portal"
        )
    except ApplicationError as refused:
        assert refused.code in ("not_an_image", "heic_not_supported") and refused.message
    else:
        assert photo.content_type == "image/jpeg" and photo.size > 0
