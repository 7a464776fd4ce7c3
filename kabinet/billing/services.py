import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum

from kabinet.billing.models import (
    EntryKind,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    LineKind,
)
from kabinet.customers.models import Account
from kabinet.lib.money import money, vat_of
from kabinet.utility.models import Service


def ledger_post(
    *,
    account: Account | int,
    kind: str,
    amount: Decimal,
    posted_on: dt.date,
    invoice: Invoice | None = None,
    description: str = "",
) -> LedgerEntry:
    """Post one entry: + increases what the customer owes, − decreases it."""
    account_id = account if isinstance(account, int) else account.pk
    return LedgerEntry.objects.create(
        account_id=account_id,
        kind=kind,
        amount=money(amount),
        posted_on=posted_on,
        invoice=invoice,
        description=description,
    )


def invoice_numbers_reserve(*, year: int, count: int) -> int:
    """Reserve `count` consecutive numbers of `year`; returns the first. Call inside the
    transaction that creates the invoices, so a rollback returns the numbers (no gaps)."""
    InvoiceCounter.objects.get_or_create(year=year)
    InvoiceCounter.objects.select_for_update().filter(year=year).update(last=F("last") + count)
    last = InvoiceCounter.objects.get(year=year).last
    return last - count + 1


def invoice_number_format(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


@dataclass
class LineSpec:
    """One line to bill, before rounding."""

    service: Service | None
    description: str
    quantity: Decimal
    unit: str
    price: Decimal
    vat_rate: Decimal
    method: str = ""
    kind: str = LineKind.CHARGE
    details: dict = field(default_factory=dict)


@transaction.atomic
def invoice_create(
    *,
    account: Account,
    period: dt.date,
    lines: list[LineSpec],
    issued_on: dt.date,
    due_on: dt.date,
    run=None,
) -> Invoice:
    """Issue one invoice and post it to the ledger. Each line is rounded on its own and
    the invoice total is the sum of the rounded lines."""
    # amount_due is the balance once this invoice is posted; what moved since the last
    # invoice (payments, reversals, corrections) is shown as "payments received".
    balance_before = LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    last = Invoice.objects.filter(account=account).order_by("-period").first()
    previous_balance = last.amount_due if last else balance_before
    seq = invoice_numbers_reserve(year=issued_on.year, count=1)
    invoice = Invoice(
        account=account,
        period=period,
        run=run,
        year=issued_on.year,
        seq=seq,
        number=invoice_number_format(issued_on.year, seq),
        status=InvoiceStatus.ISSUED,
        issued_on=issued_on,
        due_on=due_on,
        previous_balance=previous_balance,
        payments_received=previous_balance - balance_before,
    )
    rows = []
    for spec in lines:
        amount = money(spec.quantity * spec.price)
        vat = vat_of(amount, spec.vat_rate)
        rows.append(
            InvoiceLine(
                kind=spec.kind,
                service=spec.service,
                method=spec.method,
                description=spec.description,
                quantity=spec.quantity,
                unit=spec.unit,
                price=spec.price,
                amount=amount,
                vat_rate=spec.vat_rate,
                vat=vat,
                total=amount + vat,
                details=spec.details,
            )
        )
    invoice.total = sum((row.total for row in rows), Decimal("0.00"))
    invoice.vat_total = sum((row.vat for row in rows), Decimal("0.00"))
    invoice.amount_due = invoice.previous_balance - invoice.payments_received + invoice.total
    invoice.save()
    for row in rows:
        row.invoice = invoice
    InvoiceLine.objects.bulk_create(rows)
    if invoice.total:
        ledger_post(
            account=account,
            kind=EntryKind.INVOICE,
            amount=invoice.total,
            posted_on=issued_on,
            invoice=invoice,
            description=invoice.number,
        )
    return invoice
