"""Invoices and the statement over the API: the same selectors as the portal's invoice
pages (billing.selectors, payments.selectors.account_dues) and the same receipt (its lines,
the PDF and the payment QR code's payload, billing.receipts)."""

import datetime as dt
import functools
import operator
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema

from kabinet.api.common import (
    AUTH,
    ETAG_EXTRA,
    PageParams,
    PathId,
    PeriodParams,
    billing_accesses,
    etag,
    in_period,
    page_of,
)
from kabinet.billing import receipts
from kabinet.billing.selectors import invoice_for_accounts, statement, visible_invoices
from kabinet.customers.models import TokenScope
from kabinet.lib.reference import rf_reference
from kabinet.payments.selectors import account_dues, invoice_dues
from kabinet.utility.models import UtilityProfile

router = Router(tags=["billing"], auth=AUTH)


class InvoiceOut(Schema):
    id: int
    account_id: int
    number: str
    period: dt.date
    issued_on: dt.date
    due_on: dt.date
    total: Decimal
    amount_due: Decimal
    paid: Decimal
    remaining: Decimal
    status: str  # paid, part_paid, unpaid, overdue or none
    status_label: str


class InvoicesOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[InvoiceOut]


class LineOut(Schema):
    kind: str
    name: str
    method: str
    note: str
    quantity: Decimal
    unit: str
    price: Decimal
    amount: Decimal
    vat_rate: Decimal
    vat: Decimal
    total: Decimal


class InvoiceDetailOut(InvoiceOut):
    previous_balance: Decimal
    payments_received: Decimal
    vat_total: Decimal
    penalty_total: Decimal
    to_settle: Decimal  # what pays this invoice in full, older debt first
    currency: str
    lines: list[LineOut]
    qr_payload: str | None  # the text of the payment QR code on the receipt
    # The RF creditor reference (ISO 11649) to quote when paying by bank transfer, which
    # matches the payment to the account (also banks' e-invoice standing orders); "" for
    # a utility outside the euro area, whose receipt carries its own payment details.
    payment_reference: str
    pdf_url: str


class EntryOut(Schema):
    id: int
    posted_on: dt.date
    kind: str
    kind_label: str
    description: str
    invoice_number: str | None
    amount: Decimal  # + owed, − paid
    balance: Decimal


class StatementPeriodOut(Schema):
    month: dt.date
    opening: Decimal
    closing: Decimal
    entries: list[EntryOut]


class StatementOut(Schema):
    account_id: int
    currency: str
    balance: Decimal
    periods: list[StatementPeriodOut]


def _invoice_out(invoice) -> dict:
    dues = invoice.dues
    return {
        "id": invoice.pk,
        "account_id": invoice.account_id,
        "number": invoice.number or "",
        "period": invoice.period,
        "issued_on": invoice.issued_on,
        "due_on": invoice.due_on,
        "total": invoice.total,
        "amount_due": invoice.amount_due,
        "paid": dues.paid,
        "remaining": dues.remaining,
        "status": dues.status,
        "status_label": str(dues.label),
    }


@router.get("/invoices", response=InvoicesOut, summary="My invoices, newest first", openapi_extra=ETAG_EXTRA)
@etag
def invoice_list(request: HttpRequest, page: PageParams, period: PeriodParams, account_id: int | None = None):
    """Invoices of every account whose invoices this login may see (or of `account_id`);
    `period_from`/`period_to` filter by the billing period."""
    rows = billing_accesses(request, TokenScope.BILLING_READ, account_id)
    if not rows:
        return page_of([], page)
    today = timezone.localdate()
    ids = [a.account_id for a in rows]
    invoices = functools.reduce(operator.or_, (visible_invoices(pk, today) for pk in ids))
    found = page_of(in_period(invoices, "period", period), page)
    dues = account_dues(ids, today)
    for invoice in found["items"]:
        invoice_dues([invoice], dues[invoice.account_id])
    found["items"] = [_invoice_out(i) for i in found["items"]]
    return found


def _invoice(request: HttpRequest, invoice_id: int):
    rows = billing_accesses(request, TokenScope.BILLING_READ)
    invoice = invoice_for_accounts([a.account_id for a in rows], invoice_id, timezone.localdate())
    if invoice is None:
        raise Http404
    return invoice


@router.get("/invoices/{invoice_id}", response=InvoiceDetailOut, summary="An invoice with its lines and QR payload")
def invoice_detail(request: HttpRequest, invoice_id: PathId):
    invoice = _invoice(request, invoice_id)
    dues = account_dues([invoice.account_id], timezone.localdate())[invoice.account_id]
    invoice_dues([invoice], dues)
    profile = UtilityProfile.get()
    return {
        **_invoice_out(invoice),
        "previous_balance": invoice.previous_balance,
        "payments_received": invoice.payments_received,
        "vat_total": invoice.vat_total,
        "penalty_total": invoice.penalty_total,
        "to_settle": dues.to_settle(invoice.pk),
        "currency": profile.currency,
        "lines": [vars(line) for line in receipts.line_views(invoice)],
        "qr_payload": receipts.qr_payload(invoice, profile),
        "payment_reference": rf_reference(invoice.account.number) if profile.currency == "EUR" else "",
        "pdf_url": request.build_absolute_uri(f"{request.path.rstrip('/')}/pdf"),
    }


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={200: bytes},
    summary="The invoice's printable receipt (PDF)",
    openapi_extra={
        "responses": {"200": {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}
    },
)
def invoice_pdf(request: HttpRequest, invoice_id: PathId):
    invoice = _invoice(request, invoice_id)
    response = HttpResponse(receipts.receipt_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="invoice-{invoice.number}.pdf"'
    return response


@router.get(
    "/accounts/{account_id}/statement",
    response=StatementOut,
    summary="The account's statement: every charge and payment with the running balance",
    openapi_extra=ETAG_EXTRA,
)
@etag
def account_statement(request: HttpRequest, account_id: PathId, period: PeriodParams):
    """`period_from`/`period_to` keep the months in between (the balance is the whole ledger's)."""
    billing_accesses(request, TokenScope.BILLING_READ, account_id)
    periods = statement(account_id, timezone.localdate())
    balance = periods[-1].closing if periods else Decimal("0.00")
    if period.period_from is not None:
        periods = [p for p in periods if p.month >= period.period_from.replace(day=1)]
    if period.period_to is not None:
        periods = [p for p in periods if p.month <= period.period_to]
    return {
        "account_id": account_id,
        "currency": UtilityProfile.get().currency,
        "balance": balance,
        "periods": [
            {
                "month": p.month,
                "opening": p.opening,
                "closing": p.closing,
                "entries": [
                    {
                        "id": e.pk,
                        "posted_on": e.posted_on,
                        "kind": e.kind,
                        "kind_label": e.get_kind_display(),
                        "description": e.description,
                        "invoice_number": e.invoice.number if e.invoice_id else None,
                        "amount": e.amount,
                        "balance": e.running,
                    }
                    for e in p.entries
                ],
            }
            for p in periods
        ],
    }
