"""The household over the API: who else may open my accounts, inviting someone and
taking access or an invitation back (customers.services, as the portal's access page).
Only the account's holder manages it; anyone else gets 404, as on the portal."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kabinet.api.common import AUTH, IDEMPOTENT_EXTRA, PathId, accesses
from kabinet.api.idempotency import DESCRIPTION as IDEMPOTENCY
from kabinet.api.idempotency import idempotent
from kabinet.customers import services
from kabinet.customers.models import AccessRole, AccountAccess, Invitation, TokenScope
from kabinet.customers.throttle import client_ip
from kabinet.utility.exceptions import ApplicationError

router = Router(tags=["household"], auth=AUTH)
BIG = 2**63 - 1


class PersonOut(Schema):
    id: int
    name: str
    email: str
    role: str
    role_label: str


class InvitationOut(Schema):
    id: int
    account_id: int
    email: str
    role: str
    role_label: str
    created: dt.datetime


class HouseholdOut(Schema):
    account_id: int
    number: str
    address: str
    people: list[PersonOut]
    invitations: list[InvitationOut]


class InvitationIn(Schema):
    account_id: int = Field(..., ge=1, le=BIG)
    email: str = Field(..., max_length=254)
    role: AccessRole = Field(..., description="readings or readings_invoices")


def _held(request: HttpRequest) -> dict[int, AccountAccess]:
    _grant, rows = accesses(request, TokenScope.HOUSEHOLD_WRITE)
    return {a.account_id: a for a in rows if a.can_manage}


def _invitation_out(i: Invitation) -> dict:
    return {
        "id": i.pk,
        "account_id": i.account_id,
        "email": i.email,
        "role": i.role,
        "role_label": i.get_role_display(),
        "created": i.created,
    }


@router.get("", response=list[HouseholdOut], summary="Who else may open my accounts")
def household_list(request: HttpRequest):
    held = _held(request)
    others = (
        AccountAccess.objects.filter(account_id__in=held)
        .exclude(user=request.auth)
        .select_related("user")
        .order_by("created")
    )
    invitations = Invitation.objects.filter(
        account_id__in=held, accepted_at__isnull=True, revoked_at__isnull=True
    ).order_by("created")
    out = {
        pk: {
            "account_id": pk,
            "number": a.account.number,
            "address": a.account.premises.address,
            "people": [],
            "invitations": [],
        }
        for pk, a in held.items()
    }
    for o in others:
        out[o.account_id]["people"].append(
            {
                "id": o.pk,
                "name": o.user.get_full_name(),
                "email": o.user.email,
                "role": o.role,
                "role_label": o.get_role_display(),
            }
        )
    for i in invitations:
        out[i.account_id]["invitations"].append(_invitation_out(i))
    return list(out.values())


@router.post(
    "/invitations",
    response={201: InvitationOut},
    summary="Invite someone to an account",
    description=IDEMPOTENCY,
    openapi_extra=IDEMPOTENT_EXTRA,
)
@idempotent
def invitation_create(request: HttpRequest, payload: InvitationIn):
    access = _held(request).get(payload.account_id)
    if access is None:
        raise Http404
    try:
        validate_email(payload.email.strip())  # what the portal's invitation form checks
    except ValidationError as exc:
        raise ApplicationError("bad_email", _("Enter a valid e-mail address."), field="email") from exc
    invitation = services.invitation_send(
        account=access.account, email=payload.email, role=payload.role, actor=request.auth, ip=client_ip(request)
    )
    return Status(201, _invitation_out(invitation))


@router.delete("/invitations/{invitation_id}", response={204: None}, summary="Withdraw an invitation")
def invitation_delete(request: HttpRequest, invitation_id: PathId):
    invitation = get_object_or_404(Invitation, pk=invitation_id, account_id__in=_held(request))
    services.invitation_revoke(invitation=invitation, actor=request.auth, ip=client_ip(request))
    return Status(204, None)


@router.delete("/people/{access_id}", response={204: None}, summary="Take someone's access away")
def person_delete(request: HttpRequest, access_id: PathId):
    access = get_object_or_404(
        AccountAccess.objects.exclude(role=AccessRole.HOLDER).select_related("user", "account__premises__building"),
        pk=access_id,
        account_id__in=_held(request),
    )
    services.access_revoke(access=access, actor=request.auth, ip=client_ip(request))
    return Status(204, None)
