"""Messages to the utility and their replies over the API: the same reception services as
the portal's contacts page and conversations (a login's name and e-mail come from it)."""

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from kabinet.api.auth import scope_require
from kabinet.api.common import AUTH, ETAG_EXTRA, IDEMPOTENT_EXTRA, PageParams, PathId, etag, page_of
from kabinet.api.idempotency import DESCRIPTION as IDEMPOTENCY
from kabinet.api.idempotency import idempotent
from kabinet.customers.models import TokenScope
from kabinet.reception.models import MAX_TEXT, Message, MessageKind
from kabinet.reception.selectors import message_for_user, messages_for_user
from kabinet.reception.services import reception_message_send, reception_reply

router = Router(tags=["messages"], auth=AUTH)


class MessageOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    subject: str
    status: str
    status_label: str
    created: dt.datetime
    updated: dt.datetime


class MessagesOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[MessageOut]


class ReplyOut(Schema):
    id: int
    created: dt.datetime
    text: str
    from_utility: bool


class MessageDetailOut(MessageOut):
    text: str
    phone: str
    replies: list[ReplyOut]


class MessageIn(Schema):
    kind: MessageKind = MessageKind.QUESTION
    subject: str = Field(..., max_length=200)
    text: str = Field(..., max_length=MAX_TEXT)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254, description="For the answer, if your login has no e-mail")


class ReplyIn(Schema):
    text: str = Field(..., max_length=MAX_TEXT)


def _message_out(m: Message) -> dict:
    return {
        "id": m.pk,
        "number": m.number,
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "subject": m.subject,
        "status": m.status,
        "status_label": m.get_status_display(),
        "created": m.created,
        "updated": m.updated,
    }


def _reply_out(r) -> dict:
    return {"id": r.pk, "created": r.created, "text": r.text, "from_utility": r.from_staff}


def _detail_out(m: Message) -> dict:
    return {**_message_out(m), "text": m.text, "phone": m.phone, "replies": [_reply_out(r) for r in m.replies.all()]}


def _own(request: HttpRequest, message_id: int, scope: str) -> Message:
    scope_require(request, scope)
    message = message_for_user(request.auth, message_id)
    if message is None:
        raise Http404
    return message


@router.get("", response=MessagesOut, summary="My messages to the utility, newest first", openapi_extra=ETAG_EXTRA)
@etag
def message_list(request: HttpRequest, page: PageParams):
    scope_require(request, TokenScope.MESSAGES_READ)
    found = page_of(messages_for_user(request.auth), page)
    found["items"] = [_message_out(m) for m in found["items"]]
    return found


@router.get("/{message_id}", response=MessageDetailOut, summary="A message with the replies")
def message_detail(request: HttpRequest, message_id: PathId):
    return _detail_out(_own(request, message_id, TokenScope.MESSAGES_READ))


@router.post(
    "",
    response={201: MessageDetailOut},
    summary="Write to the utility",
    description=IDEMPOTENCY,
    openapi_extra=IDEMPOTENT_EXTRA,
)
@idempotent
def message_create(request: HttpRequest, payload: MessageIn):
    scope_require(request, TokenScope.MESSAGES_WRITE)
    message = reception_message_send(
        kind=payload.kind,
        subject=payload.subject,
        text=payload.text,
        phone=payload.phone,
        email=payload.email,
        user=request.auth,
        ip=request.META.get("REMOTE_ADDR"),
    )
    return Status(201, _detail_out(message_for_user(request.auth, message.pk)))


@router.post(
    "/{message_id}/replies",
    response={201: ReplyOut},
    summary="Reply in a conversation",
    description=IDEMPOTENCY,
    openapi_extra=IDEMPOTENT_EXTRA,
)
@idempotent
def reply_create(request: HttpRequest, message_id: PathId, payload: ReplyIn):
    message = _own(request, message_id, TokenScope.MESSAGES_WRITE)
    return Status(201, _reply_out(reception_reply(message=message, author=request.auth, text=payload.text)))
