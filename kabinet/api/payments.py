"""Payments over the API: the payment history with where each payment went (the same
allocation the portal shows, payments.selectors.account_dues), and starting an online
payment (payments.online.online_payment_start), which answers with the provider's page
to send the customer to."""

import datetime as dt
import functools
import operator
import uuid
from decimal import Decimal

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from kabinet.api.common import (
    AUTH,
    ETAG_EXTRA,
    IDEMPOTENT_EXTRA,
    PageParams,
    PeriodParams,
    billing_accesses,
    etag,
    in_period,
    page_of,
)
from kabinet.api.idempotency import DESCRIPTION as IDEMPOTENCY
from kabinet.api.idempotency import idempotent
from kabinet.billing.selectors import invoice_for_accounts
from kabinet.customers.models import TokenScope
from kabinet.payments.models import PaymentChannel
from kabinet.payments.online import PayLine, online_payment_start
from kabinet.payments.selectors import account_dues, payments_for_account

router = Router(tags=["payments"], auth=AUTH)
BIG = 2**63 - 1


class PaidInvoiceOut(Schema):
    invoice_id: int
    number: str
    amount: Decimal


class PaymentOut(Schema):
    id: int
    account_id: int
    amount: Decimal
    paid_on: dt.date
    channel: str
    channel_label: str
    status: str
    invoices: list[PaidInvoiceOut]  # which invoices it settled, oldest debt first


class PaymentsOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[PaymentOut]


class PayLineIn(Schema):
    account_id: int = Field(..., ge=1, le=BIG)
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    invoice_id: int | None = Field(None, ge=1, le=BIG, description="Pay towards this invoice (and older debt)")


class OnlinePaymentIn(Schema):
    lines: list[PayLineIn] = Field(..., min_length=1, max_length=20)


class OnlinePaymentOut(Schema):
    id: uuid.UUID
    status: str
    amount: Decimal
    currency: str
    confirmation_url: str  # send the customer here to pay


@router.get("", response=PaymentsOut, summary="My payments and where each went", openapi_extra=ETAG_EXTRA)
@etag
def payment_list(request: HttpRequest, page: PageParams, period: PeriodParams, account_id: int | None = None):
    """`period_from`/`period_to` filter by the day paid."""
    rows = billing_accesses(request, TokenScope.BILLING_READ, account_id)
    if not rows:
        return page_of([], page)
    ids = [a.account_id for a in rows]
    payments = functools.reduce(operator.or_, (payments_for_account(pk) for pk in ids))
    found = page_of(in_period(payments, "paid_on", period), page)
    dues = account_dues(ids, timezone.localdate())
    items = []
    for p in found["items"]:
        owed = dues[p.account_id]
        items.append(
            {
                "id": p.pk,
                "account_id": p.account_id,
                "amount": p.amount,
                "paid_on": p.paid_on,
                "channel": p.channel,
                "channel_label": str(PaymentChannel(p.channel).label),
                "status": p.status,
                "invoices": [
                    {"invoice_id": inv, "number": owed.invoices[inv].number, "amount": amount}
                    for inv, amount in owed.paid_by.get(p.pk, [])
                ],
            }
        )
    found["items"] = items
    return found


@router.post(
    "/online",
    response={201: OnlinePaymentOut},
    summary="Start an online payment",
    description="Answers with the provider's payment page (`confirmation_url`). " + IDEMPOTENCY,
    openapi_extra=IDEMPOTENT_EXTRA,
)
@idempotent
def online_payment_create(request: HttpRequest, payload: OnlinePaymentIn):
    by_id = {a.account_id: a for a in billing_accesses(request, TokenScope.PAYMENTS_WRITE)}
    today = timezone.localdate()
    lines = []
    for line in payload.lines:
        access = by_id.get(line.account_id)
        if access is None:
            raise Http404
        invoice = None
        if line.invoice_id is not None:
            invoice = invoice_for_accounts([line.account_id], line.invoice_id, today)
            if invoice is None:
                raise Http404
        lines.append(PayLine(account=access.account, amount=line.amount, invoice=invoice))
    online = online_payment_start(
        user=request.auth,
        lines=lines,
        return_url=lambda o: request.build_absolute_uri(reverse("portal:pay-return", args=[o.pk])),
    )
    return Status(
        201,
        {
            "id": online.pk,
            "status": online.status,
            "amount": online.amount,
            "currency": online.currency,
            "confirmation_url": request.build_absolute_uri(online.confirmation_url),
        },
    )
