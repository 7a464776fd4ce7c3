"""Reads for payments: history, invoice payment state, the staff queue."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import EntryKind, Invoice, LedgerEntry
from kabinet.payments.allocation import Credit, Debit, allocate
from kabinet.payments.models import OnlinePayment, Payment, PaymentStatus

ZERO = Decimal("0.00")


class PayState:
    PAID = "paid"
    PART = "part_paid"
    UNPAID = "unpaid"
    NONE = "none"  # nothing charged


PAY_STATE_LABELS = {
    PayState.PAID: _("paid"),
    PayState.PART: _("part-paid"),
    PayState.UNPAID: _("unpaid"),
    PayState.NONE: "",
}


@dataclass
class InvoicePayment:
    invoice_id: int
    total: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.total - self.paid, ZERO)

    @property
    def state(self) -> str:
        if self.total <= 0:
            return PayState.NONE
        if self.paid >= self.total:
            return PayState.PAID
        return PayState.PART if self.paid > 0 else PayState.UNPAID

    @property
    def label(self) -> str:
        return PAY_STATE_LABELS[self.state]


@dataclass
class AccountAllocation:
    invoices: dict[int, InvoicePayment] = field(default_factory=dict)
    paid_by: dict[int, list[tuple[int, Decimal]]] = field(default_factory=dict)  # payment id -> [(invoice id, amount)]
    credit: Decimal = ZERO
    outstanding: Decimal = ZERO  # what is still owed, debit by debit

    @property
    def balance(self) -> Decimal:
        return self.outstanding - self.credit


def account_allocations(account_ids: Iterable[int]) -> dict[int, AccountAllocation]:
    """Allocate each account's ledger: two queries for any number of accounts."""
    ids = list(set(account_ids))
    # One query: each entry with the payment it posted, if any (reverse one-to-one).
    entries = list(
        LedgerEntry.objects.filter(account_id__in=ids)
        .order_by()
        .values_list(
            "id",
            "account_id",
            "kind",
            "amount",
            "posted_on",
            "invoice_id",
            "payment__id",
            "payment__invoice_id",
            "payment__status",
            "payment__reversal_entry_id",
        )
    )
    skip: set[int] = set()
    for entry_id, *_rest, status, reversal_id in entries:
        if status == PaymentStatus.REVERSED:
            skip.add(entry_id)  # a reversed payment and its reversal cancel out
            if reversal_id:
                skip.add(reversal_id)
    per_account: dict[int, tuple[list, list]] = {i: ([], []) for i in ids}
    invoice_entries: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for entry_id, account_id, kind, amount, posted_on, invoice_id, payment_id, target_id, _st, _rv in entries:
        if entry_id in skip:
            continue
        debits, credits = per_account[account_id]
        order = (posted_on, entry_id)
        if amount > 0:
            key = ("invoice", invoice_id) if kind == EntryKind.INVOICE and invoice_id else ("entry", entry_id)
            if key[0] == "invoice":
                invoice_entries[account_id][invoice_id] = amount
            debits.append(Debit(key=key, amount=amount, order=order))
        else:
            key = ("payment", payment_id) if payment_id else ("entry", entry_id)
            target = ("invoice", target_id) if target_id else None
            credits.append(Credit(key=key, amount=-amount, order=order, target=target))
    result: dict[int, AccountAllocation] = {}
    for account_id, (debits, credits) in per_account.items():
        allocation = allocate(debits, credits)
        out = AccountAllocation(
            credit=allocation.unapplied,
            outstanding=sum((d.amount - allocation.covered[d.key] for d in debits), ZERO),
        )
        for invoice_id, total in invoice_entries[account_id].items():
            out.invoices[invoice_id] = InvoicePayment(invoice_id, total, allocation.covered[("invoice", invoice_id)])
        for credit_key, debit_key, amount in allocation.links:
            if credit_key[0] == "payment" and debit_key[0] == "invoice":
                out.paid_by.setdefault(credit_key[1], []).append((debit_key[1], amount))
        result[account_id] = out
    return result


def invoice_payment_status(
    invoice_ids: Iterable[int], account_ids: Iterable[int] | None = None
) -> dict[int, InvoicePayment]:
    """Paid / part-paid / unpaid for each invoice: one query when the accounts are
    given, two otherwise, for any number of invoices."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    if account_ids is not None:
        accounts = set(account_ids)
    else:
        accounts = set(Invoice.objects.filter(id__in=ids).values_list("account_id", flat=True))
    allocations = account_allocations(accounts)
    result = {}
    for allocation in allocations.values():
        for invoice_id, state in allocation.invoices.items():
            if invoice_id in ids:
                result[invoice_id] = state
    for invoice_id in ids:  # an invoice with nothing charged has no ledger entry
        result.setdefault(invoice_id, InvoicePayment(invoice_id, ZERO, ZERO))
    return result


def payments_for_account(account_id: int) -> QuerySet[Payment]:
    return Payment.objects.filter(
        account_id=account_id, status__in=[PaymentStatus.REGISTERED, PaymentStatus.REVERSED]
    ).order_by("-paid_on", "-id")


def account_statement(account_id: int, limit: int = 200) -> list[dict]:
    """The account's ledger with a running balance (oldest first), as the customer's
    statement: the last line's balance is the balance shown everywhere."""
    rows = list(
        LedgerEntry.objects.filter(account_id=account_id)
        .select_related("invoice")
        .order_by("posted_on", "id")
        .values("id", "posted_on", "kind", "amount", "invoice__number", "description")
    )
    balance = ZERO
    for row in rows:
        balance += row["amount"]
        row["balance"] = balance
    return rows[-limit:]


def online_payments_for_user(user) -> QuerySet[OnlinePayment]:
    return OnlinePayment.objects.filter(user=user).order_by("-created")


def queue() -> QuerySet[Payment]:
    return Payment.objects.filter(status=PaymentStatus.UNMATCHED).select_related("statement").order_by("paid_on", "id")
