"""Personal tokens over the API (customers.services.api_tokens, as the portal's tokens page).

A token may make another only within its own grant: no scope it was not given, and the
same premises if it is limited to one; a token cannot widen itself."""

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kabinet.api.auth import scope_require
from kabinet.api.common import AUTH, IDEMPOTENT_EXTRA, PathId
from kabinet.api.errors import ApiError
from kabinet.api.idempotency import DESCRIPTION as IDEMPOTENCY
from kabinet.api.idempotency import idempotent
from kabinet.customers.models import ApiToken, TokenScope
from kabinet.customers.services.api_tokens import api_token_create, api_token_revoke

router = Router(tags=["tokens"], auth=AUTH)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    premises_id: int | None
    created: dt.datetime
    last_used: dt.datetime | None
    revoked: dt.datetime | None


class NewTokenOut(TokenOut):
    token: str  # shown only now: keep it secret


class TokenIn(Schema):
    name: str = Field(..., max_length=60)
    scopes: list[TokenScope] | None = Field(None, description="What it may do; all of this token's scopes if left out")
    premises_id: int | None = Field(None, ge=1, le=2**63 - 1, description="Only this premises")


def _out(t: ApiToken) -> dict:
    return {
        "id": t.pk,
        "name": t.name,
        "prefix": t.prefix,
        "scopes": t.scopes,
        "premises_id": t.premises_id,
        "created": t.created,
        "last_used": t.last_used,
        "revoked": t.revoked,
    }


@router.get("", response=list[TokenOut], summary="My personal tokens")
def token_list(request: HttpRequest):
    scope_require(request, TokenScope.TOKENS_WRITE)
    return [_out(t) for t in ApiToken.objects.filter(user=request.auth).order_by("-created", "-id")]


@router.post(
    "",
    response={201: NewTokenOut},
    summary="Make a personal token",
    description=IDEMPOTENCY,
    openapi_extra=IDEMPOTENT_EXTRA,
)
@idempotent
def token_create(request: HttpRequest, payload: TokenIn):
    grant = scope_require(request, TokenScope.TOKENS_WRITE)
    scopes = sorted(grant.scopes) if payload.scopes is None else [str(s) for s in payload.scopes]
    wider = set(scopes) - grant.scopes
    if wider or (grant.premises_id is not None and payload.premises_id != grant.premises_id):
        raise ApiError(403, "forbidden", _("A token can only make tokens that may do no more than itself."))
    row, token = api_token_create(user=request.auth, name=payload.name, scopes=scopes, premises_id=payload.premises_id)
    return Status(201, {**_out(row), "token": token})


@router.delete("/{token_id}", response={204: None}, summary="Revoke a personal token")
def token_delete(request: HttpRequest, token_id: PathId):
    scope_require(request, TokenScope.TOKENS_WRITE)
    token = get_object_or_404(ApiToken, pk=token_id, user=request.auth)
    api_token_revoke(token=token, actor=request.auth)
    return Status(204, None)
