"""Service requests over the API: file one with photos (multipart upload), follow it,
comment on it, rate finished work or reopen it. The same servicedesk services as the
portal's request pages; the photos are checked by content there (photos_check)."""

import datetime as dt

from django.http import FileResponse, Http404, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from kabinet.api.auth import scope_require
from kabinet.api.common import (
    AUTH,
    ETAG_EXTRA,
    IDEMPOTENT_EXTRA,
    PageParams,
    PathId,
    PeriodParams,
    etag,
    in_period,
    one_access,
    page_of,
)
from kabinet.api.idempotency import DESCRIPTION as IDEMPOTENCY
from kabinet.api.idempotency import idempotent
from kabinet.customers.models import TokenScope
from kabinet.meters.models import Meter
from kabinet.servicedesk.models import MAX_COMMENT, MAX_DESCRIPTION, Photo, ServiceRequest
from kabinet.servicedesk.selectors import categories_active, request_for_user, requests_for_user
from kabinet.servicedesk.services import request_comment_add, request_file, request_rate, request_reopen

router = Router(tags=["service requests"], auth=AUTH)
BIG = 2**63 - 1


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    is_emergency: bool
    needs_meter: bool


class RequestOut(Schema):
    id: int
    number: str
    account_id: int
    premises_id: int
    address: str
    category: str
    category_name: str
    status: str
    status_label: str
    created: dt.datetime
    due_at: dt.datetime
    scheduled_for: dt.datetime | None
    closed_at: dt.datetime | None
    rating: int | None


class RequestsOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[RequestOut]


class CommentOut(Schema):
    id: int
    created: dt.datetime
    text: str
    from_customer: bool


class PhotoOut(Schema):
    id: int
    content_type: str
    size: int
    url: str


class StatusChangeOut(Schema):
    created: dt.datetime
    from_status: str
    to_status: str
    note: str


class RequestDetailOut(RequestOut):
    description: str
    phone: str
    preferred_time: str
    meter_id: int | None
    reject_reason: str
    can_rate: bool
    can_reopen: bool
    comments: list[CommentOut]
    photos: list[PhotoOut]
    history: list[StatusChangeOut]


class RequestIn(Schema):
    account_id: int = Field(..., ge=1, le=BIG)
    category_id: int = Field(..., ge=1, le=BIG)
    meter_id: int | None = Field(None, ge=1, le=BIG, description="For meter work (verification, replacement)")
    description: str = Field(..., max_length=MAX_DESCRIPTION)
    phone: str = Field(..., max_length=30)
    preferred_time: str = Field("", max_length=200)


class CommentIn(Schema):
    text: str = Field(..., max_length=MAX_COMMENT)


class RatingIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=2000)


class ReopenIn(Schema):
    reason: str = Field(..., max_length=MAX_COMMENT)


def _mine(request: HttpRequest, scope: str):
    grant = scope_require(request, scope)
    found = requests_for_user(request.auth)
    if grant.premises_id is not None:
        found = found.filter(premises_id=grant.premises_id)
    return found


def _request_out(r: ServiceRequest) -> dict:
    return {
        "id": r.pk,
        "number": r.number,
        "account_id": r.account_id,
        "premises_id": r.premises_id,
        "address": r.premises.address,
        "category": r.category.code,
        "category_name": r.category.name,
        "status": r.status,
        "status_label": r.get_status_display(),
        "created": r.created,
        "due_at": r.due_at,
        "scheduled_for": r.scheduled_for,
        "closed_at": r.closed_at,
        "rating": r.rating,
    }


def _own(request: HttpRequest, request_id: int, scope: str) -> ServiceRequest:
    grant = scope_require(request, scope)
    req = request_for_user(request.auth, request_id)
    if req is None or (grant.premises_id is not None and req.premises_id != grant.premises_id):
        raise Http404
    return req


def _detail_out(request: HttpRequest, r: ServiceRequest) -> dict:
    base = request.build_absolute_uri(f"/api/v1/requests/{r.pk}/photos/")
    return {
        **_request_out(r),
        "description": r.description,
        "phone": r.phone,
        "preferred_time": r.preferred_time,
        "meter_id": r.meter_id,
        "reject_reason": r.reject_reason,
        "can_rate": r.can_rate(),
        "can_reopen": r.can_reopen(),
        "comments": [
            {"id": c.pk, "created": c.created, "text": c.text, "from_customer": not (c.author and c.author.is_staff)}
            for c in r.comments.all()
        ],
        "photos": [
            {"id": p.pk, "content_type": p.content_type, "size": p.size, "url": f"{base}{p.pk}"} for p in r.photos.all()
        ],
        "history": [
            {"created": s.created, "from_status": s.from_status, "to_status": s.to_status, "note": s.note}
            for s in r.status_changes.all()
        ],
    }


@router.get("/categories", response=list[CategoryOut], summary="What a request can be about")
def category_list(request: HttpRequest):
    scope_require(request, TokenScope.REQUESTS_READ)
    return [
        {"id": c.pk, "code": c.code, "name": c.name, "is_emergency": c.is_emergency, "needs_meter": c.needs_meter}
        for c in categories_active()
    ]


@router.get("", response=RequestsOut, summary="My service requests, newest first", openapi_extra=ETAG_EXTRA)
@etag
def request_list(request: HttpRequest, page: PageParams, period: PeriodParams, account_id: int | None = None):
    """`period_from`/`period_to` filter by the day filed."""
    found = _mine(request, TokenScope.REQUESTS_READ)
    if account_id is not None:
        found = found.filter(account_id=one_access(request, TokenScope.REQUESTS_READ, account_id).account_id)
    found = page_of(in_period(found, "created__date", period), page)
    found["items"] = [_request_out(r) for r in found["items"]]
    return found


@router.get("/{request_id}", response=RequestDetailOut, summary="A request with its comments, photos and history")
def request_detail(request: HttpRequest, request_id: PathId):
    return _detail_out(request, _own(request, request_id, TokenScope.REQUESTS_READ))


@router.get(
    "/{request_id}/photos/{photo_id}",
    response={200: bytes},
    summary="A photo of a request",
    openapi_extra={"responses": {"200": {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}}},
)
def request_photo(request: HttpRequest, request_id: PathId, photo_id: PathId):
    req = _own(request, request_id, TokenScope.REQUESTS_READ)
    photo = Photo.objects.filter(pk=photo_id, request=req).first()
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


@router.post(
    "",
    response={201: RequestDetailOut},
    summary="File a service request (multipart, with up to 5 photos)",
    description=IDEMPOTENCY,
    openapi_extra=IDEMPOTENT_EXTRA,
)
@idempotent
def request_create(request: HttpRequest, payload: Form[RequestIn], photos: File[list[UploadedFile]] = None):
    access = one_access(request, TokenScope.REQUESTS_WRITE, payload.account_id)
    category = categories_active().filter(pk=payload.category_id).first()
    if category is None:
        raise Http404
    meter = None
    if payload.meter_id is not None:
        meter = Meter.objects.filter(pk=payload.meter_id, premises_id=access.account.premises_id).first()
    req = request_file(
        user=request.auth,
        account=access.account,
        category=category,
        meter=meter,
        description=payload.description,
        phone=payload.phone,
        preferred_time=payload.preferred_time,
        photos=photos or [],
    )
    return Status(201, _detail_out(request, request_for_user(request.auth, req.pk)))


@router.post(
    "/{request_id}/comments",
    response={201: CommentOut},
    summary="Comment on a request",
    description=IDEMPOTENCY,
    openapi_extra=IDEMPOTENT_EXTRA,
)
@idempotent
def comment_create(request: HttpRequest, request_id: PathId, payload: CommentIn):
    req = _own(request, request_id, TokenScope.REQUESTS_WRITE)
    comment = request_comment_add(request=req, author=request.auth, text=payload.text)
    return Status(201, {"id": comment.pk, "created": comment.created, "text": comment.text, "from_customer": True})


@router.post(
    "/{request_id}/rating",
    response={200: RequestDetailOut},
    summary="Rate finished work (1–5)",
    description=IDEMPOTENCY,
    openapi_extra=IDEMPOTENT_EXTRA,
)
@idempotent
def rating_create(request: HttpRequest, request_id: PathId, payload: RatingIn):
    req = _own(request, request_id, TokenScope.REQUESTS_WRITE)
    request_rate(request=req, actor=request.auth, rating=payload.rating, comment=payload.comment)
    return Status(200, _detail_out(request, request_for_user(request.auth, req.pk)))


@router.post(
    "/{request_id}/reopen",
    response={200: RequestDetailOut},
    summary="Reopen finished work you are not satisfied with",
    description=IDEMPOTENCY,
    openapi_extra=IDEMPOTENT_EXTRA,
)
@idempotent
def reopen_create(request: HttpRequest, request_id: PathId, payload: ReopenIn):
    req = _own(request, request_id, TokenScope.REQUESTS_WRITE)
    request_reopen(request=req, actor=request.auth, reason=payload.reason)
    return Status(200, _detail_out(request, request_for_user(request.auth, req.pk)))
