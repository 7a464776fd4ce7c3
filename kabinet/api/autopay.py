"""Automatic payment over the API: the login's automatic payments and stopping one
(kabinet.autopay.services, as the portal's page). Switching it on needs the provider's
payment page to save a card, so it is done on the portal. Only the account's holder sees
and stops it; anyone else gets 404, as on the portal."""

import datetime as dt
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from kabinet.api.common import AUTH, PathId, accesses
from kabinet.autopay.models import LIVE, Mandate
from kabinet.autopay.selectors import mandates_for_accounts
from kabinet.autopay.services import mandate_stop
from kabinet.customers.models import TokenScope

router = Router(tags=["autopay"], auth=AUTH)


class AttemptOut(Schema):
    invoice_id: int
    invoice_number: str
    status: str
    status_label: str
    amount: Decimal | None
    tries: int
    next_try: dt.datetime | None
    failure: str


class MandateOut(Schema):
    id: int
    account_id: int
    status: str
    status_label: str
    reason: str
    mode: str  # on_issue or day_of_month
    day: int | None
    max_amount: Decimal
    card: str  # the mask and expiry only
    attempts: list[AttemptOut]


def _held(request: HttpRequest, scope: str) -> list[int]:
    _grant, rows = accesses(request, scope)
    return [a.account_id for a in rows if a.can_manage]


def _out(m: Mandate) -> dict:
    return {
        "id": m.pk,
        "account_id": m.account_id,
        "status": m.status,
        "status_label": m.get_status_display(),
        "reason": m.reason,
        "mode": m.mode,
        "day": m.day,
        "max_amount": m.max_amount,
        "card": m.method.label if m.method else "",
        "attempts": [
            {
                "invoice_id": a.invoice_id,
                "invoice_number": a.invoice.number or "",
                "status": a.status,
                "status_label": a.get_status_display(),
                "amount": a.amount,
                "tries": a.tries,
                "next_try": a.next_try,
                "failure": a.failure,
            }
            for a in list(m.attempts.all())[:12]
        ],
    }


@router.get("", response=list[MandateOut], summary="My automatic payments (accounts I hold)")
def autopay_list(request: HttpRequest):
    mandates = mandates_for_accounts(_held(request, TokenScope.BILLING_READ))
    return [_out(m) for m in sorted(mandates.values(), key=lambda m: m.account_id)]


@router.delete("/{mandate_id}", response={204: None}, summary="Stop an automatic payment now")
def autopay_stop(request: HttpRequest, mandate_id: PathId):
    """Nothing more is charged; charges waiting for their day are cancelled. Stopping a
    stopped one changes nothing (a retry is safe)."""
    mandate = Mandate.objects.filter(pk=mandate_id, account_id__in=_held(request, TokenScope.PAYMENTS_WRITE)).first()
    if mandate is None:
        raise Http404
    if mandate.status in LIVE:
        mandate_stop(mandate=mandate, actor=request.auth)
    return Status(204, None)
