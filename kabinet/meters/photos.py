"""Photos of the meter sent with a reading: checked, stored privately, read (a suggestion).

    reading_photo_store(meter=, upload=, user=, source=)  -> ReadingPhoto (with suggested_value)
    reading_photos_attach(user=, photo_ids=, readings=)   -> how many were linked
    photos_visible_to(user)                                -> the photos of the login's meters

A photo is checked by its content (JPEG or PNG, at most PHOTO_MAX_BYTES), opened with
Pillow and stored again as a JPEG: turned upright, no larger than PHOTO_MAX_SIDE, and
without its EXIF data (the phone's location and make never reach staff). The value read
from it (kabinet.meters.ocr, when READINGS_PHOTO_OCR is on) is only a suggestion: each
door shows it for the customer to confirm or correct, and submits nothing itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kabinet.customers.models import User
from kabinet.lib.uploads import HEIC, JPEG, PNG, SNIFF_BYTES, sniff_image
from kabinet.meters import ocr
from kabinet.meters.models import Meter, Reading, ReadingPhoto
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.services import event_record

log = logging.getLogger(__name__)

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 2400  # pixels: the drums stay sharp, the file stays small
PHOTO_MAX_PIXELS = 60_000_000
# The same photo sent again this soon (a double click, a retried upload) is the one stored.
SAME_PHOTO_WINDOW = dt.timedelta(hours=6)


def _read(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > PHOTO_MAX_BYTES:
        raise _too_big()
    upload.seek(0)
    data = upload.read(PHOTO_MAX_BYTES + 1)
    if len(data) > PHOTO_MAX_BYTES:
        raise _too_big()
    return data


def _too_big() -> ApplicationError:
    return ApplicationError(
        "photo_too_big",
        _("The photo is larger than %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)},
        field="photo",
    )


def _not_a_photo() -> ApplicationError:
    return ApplicationError("not_an_image", _("The file is not a JPEG or PNG photo."), field="photo")


def _clean_jpeg(data: bytes) -> bytes:
    """The picture again as a JPEG: upright, at most PHOTO_MAX_SIDE, without EXIF."""
    kind = sniff_image(data[:SNIFF_BYTES])
    if kind == HEIC:
        raise ApplicationError(
            "heic_not_supported",
            _("HEIC photos cannot be read here. Send the photo as JPEG (most phones do when sharing)."),
            field="photo",
        )
    if kind not in (JPEG, PNG):
        raise _not_a_photo()
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > PHOTO_MAX_PIXELS:
                raise _not_a_photo()
            img = ImageOps.exif_transpose(opened)
            img.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise _not_a_photo() from exc
    img = img.convert("RGB")  # also drops a PNG's transparency and text chunks
    img.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88, optimize=True)  # no exif= argument: none is written
    return out.getvalue()


def suggestion_for(meter: Meter, data: bytes) -> str:
    """The value read from the photo, "" when OCR is off, unavailable or unsure."""
    if not settings.READINGS_PHOTO_OCR:
        return ""
    try:
        value = ocr.suggest(
            data,
            digits_before=meter.digits_before_point,
            digits_after=meter.digits_after_point,
            decimals=meter.service.reading_decimals,
        )
    except Exception:  # a reader's failure must never lose the photo
        log.exception("reading the photo failed")
        return ""
    return value or ""


def reading_photo_store(*, meter: Meter, upload, user: User | None, source: str) -> ReadingPhoto:
    """Check and store a photo of `meter` (the caller has checked the login may submit
    for it), with the value read from it. The same bytes from the same login for the
    same meter, not yet linked to a reading, return the photo already stored."""
    data = _read(upload)
    digest = hashlib.sha256(data).hexdigest()
    if user is not None:
        same = ReadingPhoto.objects.filter(
            uploaded_by=user,
            sha256=digest,
            meter=meter,
            reading__isnull=True,
            created__gte=timezone.now() - SAME_PHOTO_WINDOW,
        ).first()
        if same is not None:
            return same
    clean = _clean_jpeg(data)
    suggested = suggestion_for(meter, clean)
    photo = ReadingPhoto(
        meter=meter,
        uploaded_by=user,
        source=source,
        token=secrets.token_hex(16),
        content_type=JPEG,
        size=len(clean),
        sha256=digest,
        suggested_value=suggested,
    )
    photo.file.save("photo.jpg", ContentFile(clean), save=False)
    try:
        with transaction.atomic():
            photo.save()
            event_record(
                kind="reading.photo",
                actor=user,
                obj=photo,
                data={"meter": meter.pk, "source": source, "suggested": suggested},
            )
    except Exception:
        photo.file.delete(save=False)  # the row is not there: neither is its file
        raise
    return photo


def reading_photos_attach(*, user: User, photo_ids: dict[int, int], readings: list[Reading]) -> int:
    """Link each stored reading to the photo the login sent for its meter
    ({meter id: photo id}). Only the login's own photos of that meter not yet linked: a
    retry links nothing twice, another's photo id links nothing."""
    linked = 0
    for reading in readings:
        photo_id = photo_ids.get(reading.meter_id)
        if reading.pk is None or not photo_id:
            continue
        linked += ReadingPhoto.objects.filter(
            pk=photo_id, meter_id=reading.meter_id, uploaded_by=user, reading__isnull=True
        ).update(reading=reading)
    return linked


def photos_visible_to(user: User) -> QuerySet[ReadingPhoto]:
    """Photos of the meters at the accounts this login may open (the portal and the API;
    staff see them in the back office, under meters.view_reading)."""
    from kabinet.meters.selectors import meters_visible_to

    return ReadingPhoto.objects.filter(meter__in=meters_visible_to(user))


def pending_photos(user: User, ids) -> dict[int, ReadingPhoto]:
    """The login's own photos not yet linked to a reading, by meter: what a form shows
    again with the value read from them."""
    wanted = []
    for raw in ids:
        try:
            wanted.append(int(raw))
        except (TypeError, ValueError):
            continue
    if not wanted:
        return {}
    photos = ReadingPhoto.objects.filter(pk__in=wanted[:20], uploaded_by=user, reading__isnull=True)
    return {p.meter_id: p for p in photos.order_by("created", "id")}


# A photo sent for a reading that never followed (the form left, the bot's dialogue
# cancelled) is a picture of someone's home kept for nothing: deleted after this long.
UNLINKED_RETENTION = dt.timedelta(days=30)


def reading_photos_purge_unlinked(*, older_than: dt.timedelta = UNLINKED_RETENTION) -> int:
    """Delete photos no reading took within `older_than`, with their files; returns how
    many. A photo of a stored reading (refused ones too) stays with it."""
    cutoff = timezone.now() - older_than
    removed = 0
    for photo in ReadingPhoto.objects.filter(reading__isnull=True, created__lt=cutoff).order_by("pk").iterator():
        photo.file.delete(save=False)
        photo.delete()
        removed += 1
    return removed
