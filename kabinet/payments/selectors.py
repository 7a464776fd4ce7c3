"""Reads for payments: what is paid and what is due, history, the staff queue."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import EntryKind, Invoice, LedgerEntry
from kabinet.lib.money import money
from kabinet.payments.allocation import Credit, Debit, allocate
from kabinet.payments.models import OnlinePayment, Payment, PaymentStatus

ZERO = Decimal("0.00")


class PayState:
    PAID = "paid"
    PART = "part_paid"
    UNPAID = "unpaid"
    OVERDUE = "overdue"  # only as InvoicePayment.status: unpaid or part-paid after its due date
    NONE = "none"  # nothing charged


PAY_STATE_LABELS = {
    PayState.PAID: _("paid"),
    PayState.PART: _("part-paid"),
    PayState.UNPAID: _("unpaid"),
    PayState.OVERDUE: _("overdue"),
    PayState.NONE: "",
}


@dataclass
class InvoicePayment:
    """One invoice's share of the account's dues (see account_dues)."""

    invoice_id: int
    total: Decimal  # the invoice's own charges: principal and penalties, not the older debt
    paid: Decimal
    number: str = ""
    period: dt.date | None = None
    due_on: dt.date | None = None
    today: dt.date | None = None  # the day the dues were read for; None: no overdue mark

    @property
    def remaining(self) -> Decimal:
        return max(self.total - self.paid, ZERO)

    @property
    def state(self) -> str:
        """How far it is paid: paid, part_paid, unpaid, or none (nothing charged)."""
        if self.total <= 0:
            return PayState.NONE
        if self.paid >= self.total:
            return PayState.PAID
        return PayState.PART if self.paid > 0 else PayState.UNPAID

    @property
    def overdue(self) -> bool:
        return bool(self.remaining > 0 and self.today and self.due_on and self.due_on < self.today)

    @property
    def status(self) -> str:
        """The one-word answer: paid, part_paid, unpaid or overdue (or none)."""
        return PayState.OVERDUE if self.overdue else self.state

    @property
    def label(self) -> str:
        return PAY_STATE_LABELS[self.state]


@dataclass
class OtherDebt:
    """A debit that is no invoice's: an opening balance, a correction, a returned payment.
    It is due when it is posted."""

    entry_id: int
    kind: str
    posted_on: dt.date
    total: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.total - self.paid, ZERO)

    @property
    def due_on(self) -> dt.date:
        return self.posted_on


@dataclass
class AccountDues:
    today: dt.date | None
    invoices: dict[int, InvoicePayment] = field(default_factory=dict)  # oldest first
    others: list[OtherDebt] = field(default_factory=list)
    paid_by: dict[int, list[tuple[int, Decimal]]] = field(default_factory=dict)  # payment id -> [(invoice id, amount)]
    credit: Decimal = ZERO  # paid and not yet owed (an overpayment)
    outstanding: Decimal = ZERO  # what is still owed, debit by debit
    # (invoice id or None, remaining) per debit, in the order payments cover them.
    queue: list[tuple[int | None, Decimal]] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        """The ledger's sum: positive = debt, negative = credit."""
        return self.outstanding - self.credit

    @property
    def to_pay(self) -> Decimal:
        """The one amount to pay: every open debit (never negative)."""
        return self.outstanding

    @property
    def open_invoices(self) -> list[InvoicePayment]:
        """Invoices with something left to pay, oldest first."""
        return [i for i in self.invoices.values() if i.remaining > 0]

    @property
    def open_others(self) -> list[OtherDebt]:
        """Open debits that are no invoice's (an opening balance, ...), oldest first."""
        return [o for o in self.others if o.remaining > 0]

    @property
    def due_on(self) -> dt.date | None:
        """By when: the earliest due date of what is still open."""
        dates = [i.due_on for i in self.open_invoices if i.due_on] + [o.due_on for o in self.open_others]
        return min(dates) if dates else None

    @property
    def overdue(self) -> bool:
        return bool(self.today and self.due_on and self.due_on < self.today)

    def to_settle(self, invoice_id: int) -> Decimal:
        """What pays this invoice in full: its remaining and everything owed before it,
        since payments cover the oldest debt first."""
        if invoice_id not in self.invoices or self.invoices[invoice_id].remaining <= 0:
            return ZERO
        last = max(n for n, (owner, _left) in enumerate(self.queue) if owner == invoice_id)
        return sum((left for _owner, left in self.queue[: last + 1]), ZERO)


def account_dues(
    account_ids: Iterable[int], today: dt.date | None, *, since: dt.date | None = None
) -> dict[int, AccountDues]:
    """What is paid, what is due and by when, per account: the one answer every page
    gives (one query for any number of accounts).

    The definition:

    * An invoice's amount is its own charges (Invoice.total: the period's principal and
      penalties) as posted to the ledger, never its "amount due", which also carries the
      older debt and would count that debt twice.
    * Credits (payments, credit corrections) cover debits oldest first, whatever invoice
      a payment names: every principal debit (invoices, opening balance, corrections) in
      date order, then penalties, as billing.penalties charges them (no penalty on a
      penalty). A reversed payment and its reversal count as neither.
    * paid = what the allocation covered, remaining = amount − paid; state: paid,
      part-paid or unpaid, and overdue while something remains after the due date. A
      debit that is no invoice's is due when posted.
    * The amount to pay is the sum of what remains (= the ledger's balance when it is a
      debt); it is due by the earliest due date of what remains.

    With `today`, only entries posted up to that day count (what the customer can see:
    an invoice is posted on its invoice day) and overdue is judged on that day; with
    None, the whole ledger and no overdue mark.

    With `since` (a page that shows the last months, not the years before them), the
    entries before that day come from the database as three sums (credits, principal,
    penalties) and the few debits among them that are still open, in one more query,
    never as every row of the years before. The answer is the same figure by figure as
    without it: what a debit has covered depends only on the credits' total and the
    debits before it in the order, so the covered ones stand as one sum at the head of
    the order. `invoices` then holds the invoices posted from `since` on and the older
    ones still open (with their open entries), `others` and `paid_by` likewise.
    """
    ids = list(set(account_ids))
    entries = LedgerEntry.objects.filter(account_id__in=ids)
    if today is not None:
        entries = entries.filter(posted_on__lte=today)
    before: dict[int, tuple[Decimal, Decimal, Decimal]] = {}
    old_open: list[tuple] = []
    if since is not None:
        before, old_open = _before(ids, since, today)
        entries = entries.filter(posted_on__gte=since)
    # One query: each entry with its invoice and the payment it posted, if any.
    rows = list(
        entries.order_by().values_list(
            "id",
            "account_id",
            "kind",
            "amount",
            "posted_on",
            "invoice_id",
            "invoice__number",
            "invoice__period",
            "invoice__due_on",
            "payment__id",
            "payment__status",
            "payment__reversal_entry_id",
            # A reversal whose payment was posted before `since` is not among the rows.
            "reversed_payment__status",
            "reversed_payment__ledger_entry__posted_on",
        )
    )
    skip: set[int] = set()
    for entry_id, *_rest, status, reversal_id, reversing, reversed_posted_on in rows:
        if status == PaymentStatus.REVERSED:
            skip.add(entry_id)  # a reversed payment and its reversal cancel out
            if reversal_id:
                skip.add(reversal_id)
        if reversing == PaymentStatus.REVERSED and (today is None or reversed_posted_on <= today):
            skip.add(entry_id)
    per_account: dict[int, tuple[list, list]] = {i: ([], []) for i in ids}
    invoices: dict[int, dict[int, InvoicePayment]] = {i: {} for i in ids}
    others: dict[int, OtherDebt] = {}
    owner: dict[int, int | None] = {}  # debit entry id -> invoice id
    rows += old_open  # open debits from before `since`: never payments, never skipped
    rows.sort(key=lambda r: (r[4], r[0]))
    for entry_id, account_id, kind, amount, posted_on, invoice_id, number, period, due_on, payment_id, *_tail in rows:
        if entry_id in skip:
            continue
        debits, credits = per_account[account_id]
        if amount < 0:
            key = ("payment", payment_id) if payment_id else ("entry", entry_id)
            credits.append(Credit(key=key, amount=-amount, order=(posted_on, entry_id)))
            continue
        principal_first = 1 if kind == EntryKind.PENALTY else 0
        debits.append(Debit(key=entry_id, amount=amount, order=(principal_first, posted_on, entry_id)))
        owner[entry_id] = invoice_id
        if invoice_id:
            row = invoices[account_id].get(invoice_id)
            if row is None:
                row = invoices[account_id][invoice_id] = InvoicePayment(
                    invoice_id, ZERO, ZERO, number or "", period, due_on, today
                )
            row.total += amount
        else:
            others[entry_id] = OtherDebt(entry_id, kind, posted_on, amount, ZERO)
    result: dict[int, AccountDues] = {}
    for account_id, (debits, credits) in per_account.items():
        if account_id in before:
            # What was covered before `since`, at the head of the order as its entries were.
            old_credits, old_principal, old_penalties = before[account_id]
            for debit in debits:
                if debit.order[1] < since:
                    if debit.order[0] == 0:
                        old_principal -= debit.amount
                    else:
                        old_penalties -= debit.amount
            credits.append(Credit(key=("before", since), amount=old_credits, order=(dt.date.min, 0)))
            debits.append(Debit(key=("before", 0), amount=old_principal, order=(0, dt.date.min, 0)))
            debits.append(Debit(key=("before", 1), amount=old_penalties, order=(1, dt.date.min, 0)))
        allocation = allocate(debits, credits)
        out = AccountDues(today=today, invoices=invoices[account_id], credit=allocation.unapplied)
        for debit in sorted(debits, key=lambda d: d.order):
            if debit.key not in owner:
                continue  # the sums before `since`: nothing of them remains
            covered = allocation.covered[debit.key]
            invoice_id = owner[debit.key]
            if invoice_id:
                out.invoices[invoice_id].paid += covered
            else:
                others[debit.key].paid = covered
                out.others.append(others[debit.key])
            out.queue.append((invoice_id, debit.amount - covered))
            out.outstanding += debit.amount - covered
        paid_by: dict[int, dict[int, Decimal]] = {}
        for credit_key, debit_key, amount in allocation.links:
            invoice_id = owner.get(debit_key)
            if credit_key[0] == "payment" and invoice_id:
                settled_by = paid_by.setdefault(credit_key[1], {})  # an invoice's principal and penalty as one
                settled_by[invoice_id] = settled_by.get(invoice_id, ZERO) + amount
        out.paid_by = {payment_id: list(by.items()) for payment_id, by in paid_by.items()}
        result[account_id] = out
    return result


def _before(ids: list[int], since: dt.date, today: dt.date | None) -> tuple[dict[int, tuple], list[tuple]]:
    """The entries posted before `since` (and up to `today`), as account_dues counts them
    (a reversed payment and its reversal left out): per account the sums of credits,
    principal debits and penalty debits, and the debits among them still open, shaped as
    account_dues' rows. One query; the database walks the history, Python never does.

    A debit is open when the debits up to it in the order (principal by date, then
    penalties after all principal) ask more than every credit up to `today` covers."""
    ledger, payment, invoice = LedgerEntry._meta.db_table, Payment._meta.db_table, Invoice._meta.db_table
    marks = ",".join(["%s"] * len(ids))
    until = " AND le.posted_on <= %s" if today is not None else ""
    seen = " AND pe.posted_on <= %s" if today is not None else ""
    day = [today] if today is not None else []
    penalty, reversed_ = EntryKind.PENALTY, PaymentStatus.REVERSED
    sql = (
        "WITH e AS (SELECT le.id, le.account_id, le.kind, le.amount, le.posted_on, le.invoice_id"
        f" FROM {ledger} le"
        f" LEFT JOIN {payment} p ON p.ledger_entry_id = le.id AND p.status = %s"
        f" LEFT JOIN {payment} r ON r.reversal_entry_id = le.id AND r.status = %s"
        f" AND EXISTS (SELECT 1 FROM {ledger} pe WHERE pe.id = r.ledger_entry_id{seen})"
        f" WHERE le.account_id IN ({marks}){until} AND p.id IS NULL AND r.id IS NULL),"
        " t AS (SELECT account_id,"
        " SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS credits,"
        " SUM(CASE WHEN amount > 0 AND kind <> %s THEN amount ELSE 0 END) AS principal,"
        " SUM(CASE WHEN amount < 0 AND posted_on < %s THEN -amount ELSE 0 END) AS old_credits,"
        " SUM(CASE WHEN amount > 0 AND kind <> %s AND posted_on < %s THEN amount ELSE 0 END) AS old_principal,"
        " SUM(CASE WHEN amount > 0 AND kind = %s AND posted_on < %s THEN amount ELSE 0 END) AS old_penalties"
        " FROM e GROUP BY account_id),"
        " o AS (SELECT e.*, SUM(e.amount) OVER (PARTITION BY e.account_id, CASE WHEN e.kind = %s THEN 1 ELSE 0 END"
        " ORDER BY e.posted_on, e.id) AS upto FROM e WHERE e.posted_on < %s AND e.amount > 0)"
        " SELECT 0, t.account_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
        " t.old_credits, t.old_principal, t.old_penalties FROM t"
        " UNION ALL"
        " SELECT 1, o.account_id, o.id, o.kind, o.amount, o.posted_on, o.invoice_id, i.number, i.period, i.due_on,"
        " NULL, NULL, NULL"
        f" FROM o JOIN t ON t.account_id = o.account_id LEFT JOIN {invoice} i ON i.id = o.invoice_id"
        " WHERE (o.kind <> %s AND o.upto > t.credits) OR (o.kind = %s AND o.upto + t.principal > t.credits)"
    )
    params = [
        reversed_, reversed_, *day, *ids, *day,
        penalty, since, penalty, since, penalty, since,
        penalty, since,
        penalty, penalty,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    sums: dict[int, tuple] = {aid: (ZERO, ZERO, ZERO) for aid in ids}
    open_rows = []
    for tag, aid, entry_id, kind, amount, posted_on, invoice_id, number, period, due_on, *old in fetched:
        if tag == 0:
            sums[aid] = tuple(money(value) for value in old)
        else:
            # SQLite gives dates as text and decimals as floats: the types the ORM gives.
            open_rows.append(
                (entry_id, aid, kind, money(amount), _date(posted_on), invoice_id, number, _date(period), _date(due_on))
                + (None,) * 5
            )
    return sums, open_rows


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def invoice_dues(invoices: Iterable[Invoice], dues: AccountDues) -> list[Invoice]:
    """The invoices, each with its share of the dues as `invoice.dues` (no query)."""
    rows = list(invoices)
    for invoice in rows:
        invoice.dues = dues.invoices.get(invoice.pk) or InvoicePayment(
            invoice.pk, ZERO, ZERO, invoice.number or "", invoice.period, invoice.due_on, dues.today
        )
    return rows


# The names the rest of the code knows: the whole ledger, no date.
AccountAllocation = AccountDues


def account_allocations(account_ids: Iterable[int]) -> dict[int, AccountDues]:
    """account_dues over the whole ledger (no day, no overdue mark)."""
    return account_dues(account_ids, None)


def invoice_payment_status(
    invoice_ids: Iterable[int], account_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> dict[int, InvoicePayment]:
    """Paid / part-paid / unpaid for each invoice, as account_dues says: one query when
    the accounts are given, two otherwise, for any number of invoices."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    if account_ids is not None:
        accounts = set(account_ids)
    else:
        accounts = set(Invoice.objects.filter(id__in=ids).values_list("account_id", flat=True))
    wanted = set(ids)
    result = {}
    for dues in account_dues(accounts, today).values():
        for invoice_id, row in dues.invoices.items():
            if invoice_id in wanted:
                result[invoice_id] = row
    for invoice_id in ids:  # an invoice with nothing charged has no ledger entry
        result.setdefault(invoice_id, InvoicePayment(invoice_id, ZERO, ZERO, today=today))
    return result


def payments_for_account(account_id: int) -> QuerySet[Payment]:
    return Payment.objects.filter(
        account_id=account_id, status__in=[PaymentStatus.REGISTERED, PaymentStatus.REVERSED]
    ).order_by("-paid_on", "-id")


def account_statement(account_id: int, limit: int = 200, today: dt.date | None = None) -> list[dict]:
    """The account's ledger with a running balance (oldest first), as the customer's
    statement: the last line's balance is the balance shown everywhere (with `today`,
    up to that day, as account_dues counts it)."""
    entries = LedgerEntry.objects.filter(account_id=account_id)
    if today is not None:
        entries = entries.filter(posted_on__lte=today)
    rows = list(
        entries.select_related("invoice")
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
