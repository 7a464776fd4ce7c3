"""Readings over the API: list my meters, submit readings, read the history.

Authenticate with a personal token (`Authorization: Bearer kab_…`, made on the portal's
API tokens page) or the portal session. The same reading_submit() as every other channel:
the same rules, the same receipt.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Form, Path, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StrictBool

from kabinet.api.auth import PersonalTokenAuth, PortalSessionAuth, scope_require
from kabinet.api.common import IDEMPOTENT_EXTRA
from kabinet.api.errors import ErrorOut, error_body
from kabinet.api.idempotency import DESCRIPTION as IDEMPOTENCY
from kabinet.api.idempotency import idempotent
from kabinet.billing.estimate import charge_estimate, charge_estimator
from kabinet.customers.models import TokenScope
from kabinet.lib.text import MACHINE_DOOR_VIEW_NAMES, without_controls
from kabinet.meters.idempotency import readings_submit_once
from kabinet.meters.inbound.services import inbound_message_process
from kabinet.meters.inbound.sms import sms_provider
from kabinet.meters.models import InboundChannel, Meter, MeterStatus, Reading, ReadingSource, ReadingStatus
from kabinet.meters.photos import photos_visible_to, reading_photo_store, reading_photos_attach
from kabinet.meters.receipts import receipt_context
from kabinet.meters.rules import reading_period_for
from kabinet.meters.selectors import meters_visible_to, readings_history, with_last_reading
from kabinet.utility.models import UtilityProfile

router = Router(tags=["readings"], auth=[PersonalTokenAuth(), PortalSessionAuth()])


class WindowOut(Schema):
    period: dt.date
    open: bool
    first_day: dt.date
    last_day: dt.date


class MeterOut(Schema):
    id: int
    serial_number: str
    service: str
    service_name: str
    unit: str
    location: str
    account_numbers: list[str]
    decimals: int
    verification_due: dt.date | None
    last_value: Decimal | None
    last_period: dt.date | None


class MetersOut(Schema):
    window: WindowOut
    meters: list[MeterOut]


class ReadingIn(Schema):
    value: str = Field(
        ..., min_length=1, max_length=40, description="As on the meter; comma or dot as the decimal separator"
    )
    # Strict: 0, "no" or "yes" are not a yes or a no (the schema says boolean).
    confirm: StrictBool = Field(False, description="Confirm a value far above your usual consumption")
    photo_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="A photo of the meter uploaded with POST /readings/photos, kept with it"
    )


class ReadingOut(Schema):
    id: int
    meter_id: int
    period: dt.date
    entered_value: str
    value: Decimal
    consumption: Decimal | None
    source: str
    status: str
    reason: str
    message: str
    created: dt.datetime


class ReceiptOut(ReadingOut):
    estimated_charge: Decimal | None
    currency: str


class RejectedOut(ErrorOut):
    """A rejected reading (code: the reason) or an invalid request (code "invalid_request")."""

    reading: ReadingOut | None = None


def _number(value: Decimal | None) -> Decimal | None:
    """12.300 read back from the database and 12.3 just parsed are the same reading: answer
    both as 12.3, so that a replayed submission's body equals the first one's."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _reading_out(r: Reading) -> dict:
    return {
        "id": r.pk,
        "meter_id": r.meter_id,
        "period": r.period,
        "entered_value": r.entered_value,
        "value": _number(r.value),
        "consumption": _number(r.consumption),
        "source": r.source,
        "status": r.status,
        "reason": r.reason,
        "message": r.reason_text,
        "created": r.created,
    }


# A meter id as the database can hold it (a bigint): anything larger is a 422, not a 500.
MeterId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _my_meter(request: HttpRequest, meter_id: int, scope: str) -> Meter:
    grant = scope_require(request, scope)
    checked = getattr(request, "_kabinet_meter", None)
    if checked is not None and checked[0] == meter_id:
        # Token authentication has already looked it up among this login's meters.
        if checked[1] is None:
            raise Http404
        return checked[1]
    meters = meters_visible_to(request.auth).select_related("service")
    if grant.premises_id is not None:
        meters = meters.filter(premises_id=grant.premises_id)
    return get_object_or_404(meters, pk=meter_id)


@router.get("/meters", response=MetersOut, summary="My meters and the reading window")
def meters_list(request: HttpRequest):
    grant = scope_require(request, TokenScope.READINGS_READ)
    profile = UtilityProfile.get()
    period, window_open = reading_period_for(timezone.localdate(), profile)
    first, last = profile.window_for(period)
    visible = meters_visible_to(request.auth).filter(status=MeterStatus.ACTIVE)
    if grant.premises_id is not None:
        visible = visible.filter(premises_id=grant.premises_id)
    meters = list(
        with_last_reading(visible)
        .select_related("service")
        .prefetch_related("premises__accounts")
        .order_by("premises_id", "service__sort_order", "serial_number")
    )
    out = []
    for m in meters:
        out.append(
            {
                "id": m.pk,
                "serial_number": m.serial_number,
                "service": m.service.code,
                "service_name": m.service.name,
                "unit": m.service.get_unit_display(),
                "location": m.location,
                "account_numbers": [a.number for a in m.premises.accounts.all() if a.closed_on is None],
                "decimals": m.service.reading_decimals,
                "verification_due": m.verification_due,
                "last_value": _number(m.last_value),
                "last_period": m.last_period,
            }
        )
    return {"window": {"period": period, "open": window_open, "first_day": first, "last_day": last}, "meters": out}


@router.post(
    "/meters/{meter_id}/readings",
    response={201: ReceiptOut, 200: ReceiptOut, 422: RejectedOut},
    summary="Submit a reading",
)
def reading_create(request: HttpRequest, meter_id: MeterId, payload: ReadingIn):
    """Accepted readings answer 201 (200 for a repeated identical submission), readings saved
    before the window 201 with status "queued"; rejected ones 422 with the reason: the
    attempt is stored either way. A value far above your usual consumption is rejected with
    code "needs_confirmation": send it again with "confirm": true if it is right.

    Send an `Idempotency-Key` header (8–64 letters, digits, "-" or "_", e.g. a UUID) to
    retry safely: the same key again answers with the first submission's reading (200)
    and stores nothing new; the same key with a different value is refused (400,
    code "key_reused")."""
    meter = _my_meter(request, meter_id, TokenScope.READINGS_WRITE)
    estimate = charge_estimator()
    submitted, replayed = readings_submit_once(
        user=request.auth,
        client_key=request.headers.get("Idempotency-Key", ""),
        entries=[(meter, payload.value, payload.confirm)],
        source=ReadingSource.API,
        ip=request.META.get("REMOTE_ADDR"),
        charge_estimator=estimate,
    )
    if payload.photo_id is not None:  # only the login's own photo of this meter, linked once
        reading_photos_attach(user=request.auth, photo_ids={meter.pk: payload.photo_id}, readings=submitted)
    reading = submitted[0]
    if reading.status == ReadingStatus.REJECTED:
        return Status(422, error_body(reading.reason, reading.reason_text, reading=_reading_out(reading)))
    ctx = receipt_context(reading, estimate)
    body = {**_reading_out(reading), "estimated_charge": ctx["charge"], "currency": ctx["currency"]}
    return Status(200 if replayed or getattr(reading, "duplicate", False) else 201, body)


class PhotoIn(Schema):
    meter_id: int = Field(..., ge=1, le=2**63 - 1)


class MeterPhotoOut(Schema):
    id: int
    meter_id: int
    suggested_value: str = Field(
        ...,
        description="The value read from the photo, empty if it could not be read: show it to confirm, never submit it",
    )
    content_type: str
    size: int
    url: str
    created: dt.datetime


def _photo_out(request: HttpRequest, photo) -> dict:
    return {
        "id": photo.pk,
        "meter_id": photo.meter_id,
        "suggested_value": photo.suggested_value,
        "content_type": photo.content_type,
        "size": photo.size,
        "url": request.build_absolute_uri(f"/api/v1/readings/photos/{photo.pk}"),
        "created": photo.created,
    }


@router.post(
    "/photos",
    response={201: MeterPhotoOut},
    summary="Upload a photo of a meter (multipart) and get the value read from it",
    description=(
        "Send the photo (JPEG or PNG, up to 10 MB; stored without its EXIF data) before the reading. "
        "The answer's `suggested_value` is what could be read from it: show it to the customer to "
        "confirm or correct, then submit the reading with `photo_id`. " + IDEMPOTENCY
    ),
    openapi_extra=IDEMPOTENT_EXTRA,
)
@idempotent
def photo_create(request: HttpRequest, payload: Form[PhotoIn], photo: File[UploadedFile]):
    meter = _my_meter(request, payload.meter_id, TokenScope.READINGS_WRITE)
    if meter.status != MeterStatus.ACTIVE:
        raise Http404
    stored = reading_photo_store(meter=meter, upload=photo, user=request.auth, source=ReadingSource.API)
    return Status(201, _photo_out(request, stored))


@router.get(
    "/photos/{photo_id}",
    response={200: bytes},
    summary="A photo of a meter",
    openapi_extra={
        "responses": {"200": {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}}
    },  # noqa: E501
)
def photo_file(request: HttpRequest, photo_id: MeterId):
    grant = scope_require(request, TokenScope.READINGS_READ)
    photos = photos_visible_to(request.auth)
    if grant.premises_id is not None:
        photos = photos.filter(meter__premises_id=grant.premises_id)
    photo = photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@router.get("/meters/{meter_id}/readings", response=list[ReadingOut], summary="The reading history of a meter")
def reading_list(request: HttpRequest, meter_id: MeterId, limit: int = 60):
    meter = _my_meter(request, meter_id, TokenScope.READINGS_READ)
    return [_reading_out(r) for r in readings_history([meter.pk], limit=max(1, min(limit, 500)))]


# ninja's Django view is its own: the middleware knows this door by its view name.
MACHINE_DOOR_VIEW_NAMES.add("api-v1:sms_webhook")


@router.post("/sms/{provider}", auth=None, include_in_schema=False)
def sms_webhook(request: HttpRequest, provider: str):
    """An SMS gateway delivers a customer's SMS here (see kabinet/meters/inbound/sms.py).
    A machine's door (kabinet/lib/text.py): an SMS with a control character in it (a GSM
    page break) is taken without the character, not refused and lost."""
    gateway = sms_provider(provider) if provider == settings.SMS_PROVIDER else None
    if gateway is None:
        raise Http404
    params = {k: request.POST.get(k, "") for k in request.POST}
    if not gateway.verify(url=request.build_absolute_uri(), params=params, headers=request.headers):
        return HttpResponseForbidden("bad signature")
    sms = gateway.parse(without_controls(params))
    if not sms.external_id or not sms.sender:
        return HttpResponse("missing fields", status=400)
    inbound_message_process(
        channel=InboundChannel.SMS,
        external_id=sms.external_id,
        sender=sms.sender,
        body=sms.text,
        charge_estimator=charge_estimate,
    )
    return HttpResponse(gateway.ack_body, content_type=gateway.ack_content_type)
