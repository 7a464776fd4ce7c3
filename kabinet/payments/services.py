"""Payment services: the one door for every change of money in this app."""

import datetime as dt
import hashlib
import zlib
from decimal import Decimal
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing.models import EntryKind, Invoice, LedgerEntry
from kabinet.billing.services import ledger_post
from kabinet.customers.models import AccessRole, Account, AccountAccess
from kabinet.customers.selectors import user_wants_mail
from kabinet.lib.money import money
from kabinet.lib.statements import StatementError, detect_format, parse
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue
from kabinet.payments.bulk import insert_rows
from kabinet.payments.matching import Match, Outcome, filter_in, match_transactions
from kabinet.payments.models import (
    Payment,
    PaymentChannel,
    PaymentStatus,
    ReceiptCounter,
    RegistryLayout,
    StatementFormat,
    StatementImport,
    StatementStatus,
)
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record


def _check_amount(amount: Decimal) -> Decimal:
    if amount is None or amount <= 0 or money(amount) != amount:
        raise ApplicationError("invalid_amount", _("The amount must be positive, in whole cents."), field="amount")
    return amount


@transaction.atomic
def payment_register(
    *,
    account: Account,
    amount: Decimal,
    paid_on: dt.date,
    channel: str,
    external_id: str = "",
    payer_name: str = "",
    payer_iban: str = "",
    purpose: str = "",
    match_reason: str = "",
    method: str = "",
    end_to_end_id: str = "",
    invoice: Invoice | None = None,
    actor=None,
    notify: bool = True,
) -> tuple[Payment, bool]:
    """Register a payment on an account and post it to the ledger.

    Idempotent by (channel, external_id): a repeat returns the first payment and False.
    """
    _check_amount(amount)
    if invoice is not None and invoice.account_id != account.pk:
        raise ApplicationError("invoice_mismatch", _("The invoice belongs to another account."), field="invoice")
    if external_id:
        existing = Payment.objects.filter(channel=channel, external_id=external_id).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            entry = ledger_post(
                account=account,
                kind=EntryKind.PAYMENT,
                amount=-amount,
                posted_on=paid_on,
                description=external_id[:300],
            )
            payment = Payment.objects.create(
                account=account,
                invoice=invoice,
                amount=amount,
                paid_on=paid_on,
                channel=channel,
                status=PaymentStatus.REGISTERED,
                external_id=external_id,
                end_to_end_id=end_to_end_id,
                payer_name=payer_name,
                payer_iban=payer_iban,
                purpose=purpose,
                match_reason=match_reason,
                method=method,
                ledger_entry=entry,
                actor=actor,
            )
    except IntegrityError:
        # A concurrent request registered the same source reference first.
        existing = Payment.objects.filter(channel=channel, external_id=external_id).first()
        if existing is None:
            raise
        return existing, False
    event_record(
        kind="payment.registered",
        actor=actor,
        obj=payment,
        data={"amount": str(amount), "account": account.number, "channel": channel},
    )
    if notify:
        payments_notify([payment])
    return payment, True


def payments_notify(payments: list[Payment]) -> int:
    """Queue "payment registered" e-mail to the logins of each payment's account that
    see invoices and want this mail. One query for all the logins."""
    registered = [p for p in payments if p.status == PaymentStatus.REGISTERED and p.account_id]
    if not registered:
        return 0
    base = (
        AccountAccess.objects.filter(role__in=[AccessRole.HOLDER, AccessRole.READINGS_INVOICES])
        .exclude(user__email="")
        .select_related("user", "account")
    )
    by_account: dict[int, list[AccountAccess]] = {}
    for qs in filter_in(base, "account", {p.account_id for p in registered}):
        for access in qs:
            by_account.setdefault(access.account_id, []).append(access)
    if not by_account:
        return 0
    currency = UtilityProfile.get().currency
    queued = 0
    for payment in registered:
        for access in by_account.get(payment.account_id, []):
            user = access.user
            if not user_wants_mail(user, MailKind.PAYMENT):
                continue
            language = user.language or (user.customer.language if user.customer_id else "") or "lv"
            message = message_enqueue(
                to=user.email,
                template="payment_registered",
                context={
                    "payment": payment,
                    "account": access.account,
                    "currency": currency,
                    "channel": PaymentChannel(payment.channel).label,
                    "user": user,
                },
                kind=MailKind.PAYMENT,
                language=language,
                user=user,
                customer_id=user.customer_id,
                dedupe_key=f"payment:{payment.pk}:{user.pk}",
            )
            queued += message is not None
    return queued


# --- reversals -----------------------------------------------------------------------


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, reversed_on: dt.date | None = None, ref: str = "", actor=None):
    """Undo a payment: the opposite ledger entry, never a deletion. Idempotent by `ref`."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == PaymentStatus.REVERSED:
        return payment, False
    if payment.status not in (PaymentStatus.REGISTERED, PaymentStatus.UNMATCHED):
        raise ApplicationError("not_reversible", _("Only a registered or waiting payment can be reversed."))
    if payment.status == PaymentStatus.REGISTERED:
        payment.reversal_entry = ledger_post(
            account=payment.account_id,
            kind=EntryKind.REVERSAL,
            amount=payment.amount,
            posted_on=reversed_on or timezone.localdate(),
            description=(ref or reason)[:300],
        )
    payment.status = PaymentStatus.REVERSED
    payment.reversal_ref = ref or f"manual:{payment.pk}"
    payment.save(update_fields=["status", "reversal_entry", "reversal_ref"])
    event_record(
        kind="payment.reversed", actor=actor, obj=payment, message=reason, data={"amount": str(payment.amount)}
    )
    return payment, True


# --- bank statements -----------------------------------------------------------------


def statement_parse(statement: StatementImport):
    layout = statement.layout.as_layout() if statement.layout_id else None
    return parse(zlib.decompress(bytes(statement.content)), statement.format, layout=layout)


def _channel_for(fmt: str) -> str:
    return PaymentChannel.AGENT if fmt == StatementFormat.REGISTRY else PaymentChannel.BANK


@transaction.atomic
def statement_upload(
    *, data: bytes, file_name: str, fmt: str = "", layout: RegistryLayout | None = None, actor=None
) -> StatementImport:
    """Keep an uploaded statement for preview. A file that cannot be parsed is refused
    here, naming the line or element, and nothing is kept."""
    return _statement_upload(data=data, file_name=file_name, fmt=fmt, layout=layout, actor=actor)[0]


def _statement_upload(*, data, file_name, fmt, layout, actor):
    if not data:
        raise ApplicationError("empty_file", _("The file is empty."), field="file")
    fmt = fmt or (StatementFormat.REGISTRY if layout else detect_format(data))
    if not fmt:
        raise ApplicationError(
            "unknown_format",
            _("Not a camt.053/054, FiDAViSta or 1CClientBankExchange statement; for a registry choose its layout."),
            field="file",
        )
    if fmt == StatementFormat.REGISTRY and layout is None:
        raise ApplicationError("layout_required", _("Choose the agent's registry layout."), field="layout")
    statement = StatementImport(
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        layout=layout if fmt == StatementFormat.REGISTRY else None,
        content=zlib.compress(data, 1),  # statements are text: ~10x smaller, kept as uploaded
        actor=actor,
    )
    try:
        transactions = statement_parse(statement)
    except StatementError as exc:
        raise ApplicationError(
            "malformed_statement",
            _("The file cannot be imported: %(where)s: %(error)s. Nothing was posted.")
            % {"where": exc.where or _("file"), "error": exc.message},
            field="file",
        ) from exc
    statement.transactions = len(transactions)
    statement.total = sum((t.amount for t in transactions if t.credit), Decimal("0.00"))
    statement.save()
    event_record(kind="statement.uploaded", actor=actor, obj=statement, data={"file": file_name, "format": fmt})
    return statement, transactions


def statement_totals(transactions, *, default_currency: str) -> list[tuple[str, Decimal]]:
    """The credits of a file per currency, as the file states it (a format without
    currencies, like an agent's registry, is in the utility's)."""
    totals: dict[str, Decimal] = {}
    for tx in transactions:
        if tx.credit:
            currency = tx.currency or default_currency
            totals[currency] = totals.get(currency, Decimal("0.00")) + tx.amount
    return sorted(totals.items())


def statement_preview(statement: StatementImport) -> list[Match]:
    """What posting would do, row by row, with the match and its reason (writes nothing)."""
    return match_transactions(
        statement_parse(statement), channel=_channel_for(statement.format), currency=UtilityProfile.get().currency
    )


@transaction.atomic
def statement_post(*, statement: StatementImport, actor=None, notify: bool = True, _parsed=None) -> StatementImport:
    """Post a previewed statement: all of it or nothing. Transactions already imported
    (the same file again, an overlapping statement) are skipped; matched credits are
    registered, the rest wait in the staff queue; reversals reverse their payment."""
    statement = StatementImport.objects.select_for_update().get(pk=statement.pk)
    if statement.status != StatementStatus.PREVIEW:
        raise ApplicationError("statement_not_pending", _("This statement was already posted or discarded."))
    channel = _channel_for(statement.format)
    try:
        transactions = _parsed if _parsed is not None else statement_parse(statement)
    except StatementError as exc:  # the preview parsed it; the parsers are deterministic
        raise ApplicationError("malformed_statement", str(exc)) from exc
    matches = match_transactions(transactions, channel=channel, currency=UtilityProfile.get().currency)
    now = timezone.now()
    new = [m for m in matches if m.outcome == Outcome.NEW]
    unmatched = [m for m in matches if m.outcome == Outcome.UNMATCHED]
    entry_ids = insert_rows(
        LedgerEntry,
        ["account_id", "posted_on", "created", "kind", "amount", "description"],
        [(m.account_id, m.tx.booked_on, now, EntryKind.PAYMENT, -m.tx.amount, m.tx.bank_ref[:300]) for m in new],
    )
    actor_id = getattr(actor, "pk", None)
    rows = [
        _payment_row(m, statement.pk, channel, actor_id, now, PaymentStatus.REGISTERED, entry_id)
        for m, entry_id in zip(new, entry_ids, strict=True)
    ]
    rows += [_payment_row(m, statement.pk, channel, actor_id, now, PaymentStatus.UNMATCHED, None) for m in unmatched]
    payment_ids = insert_rows(Payment, PAYMENT_ROW_FIELDS, rows)
    by_key = {row[7]: pk for row, pk in zip(rows, payment_ids, strict=True)}  # external_id -> id

    reversals = 0
    for m in matches:
        if m.outcome != Outcome.REVERSAL:
            continue
        target = Payment(pk=by_key[m.extra["in_file_key"]] if "in_file_key" in m.extra else m.reverses)
        payment_reverse(
            payment=target,
            reason=_("Reversed in bank statement %(file)s") % {"file": statement.file_name},
            reversed_on=m.tx.booked_on,
            ref=m.key,
            actor=actor,
        )
        reversals += 1
    statement.status = StatementStatus.POSTED
    statement.posted = now
    statement.matched = len(new)
    statement.unmatched = len(unmatched)
    statement.duplicates = sum(1 for m in matches if m.outcome in (Outcome.DUPLICATE, Outcome.REVERSAL_DONE))
    statement.reversals = reversals
    statement.save(update_fields=["status", "posted", "matched", "unmatched", "duplicates", "reversals"])
    event_record(
        kind="statement.posted",
        actor=actor,
        obj=statement,
        data={
            "matched": len(new),
            "unmatched": len(unmatched),
            "duplicates": statement.duplicates,
            "reversals": reversals,
            "orphan_reversals": [m.tx.bank_ref for m in matches if m.outcome == Outcome.REVERSAL_ORPHAN][:100],
            "amount": str(sum((m.tx.amount for m in new), Decimal("0.00"))),
        },
    )
    if notify:
        # Mail for what the posted file leaves registered: a credit that the same file
        # reverses tells the customer nothing. Plain records, not model instances: only
        # the few with a login get mail (queued in this transaction, sent after commit).
        reversed_in_file = {
            m.extra["in_file_key"] for m in matches if m.outcome == Outcome.REVERSAL and "in_file_key" in m.extra
        }
        registered = [
            SimpleNamespace(
                pk=pk,
                account_id=m.account_id,
                amount=m.tx.amount,
                paid_on=m.tx.booked_on,
                channel=channel,
                status=PaymentStatus.REGISTERED,
            )
            for m, pk in zip(new, payment_ids[: len(new)], strict=True)
            if m.key not in reversed_in_file
        ]
        payments_notify(registered)
    return statement


PAYMENT_ROW_FIELDS = [
    "account_id",
    "amount",
    "paid_on",
    "created",
    "channel",
    "status",
    "statement_id",
    "external_id",
    "end_to_end_id",
    "payer_name",
    "payer_iban",
    "purpose",
    "match_reason",
    "method",
    "ledger_entry_id",
    "reversal_ref",
    "actor_id",
]


def _payment_row(m: Match, statement_id, channel, actor_id, now, status, entry_id) -> tuple:
    tx = m.tx
    return (
        m.account_id if status == PaymentStatus.REGISTERED else None,
        tx.amount,
        tx.booked_on,
        now,
        channel,
        status,
        statement_id,
        m.key,  # index 7: external_id
        tx.end_to_end_id[:64],
        tx.payer_name[:200],
        tx.payer_iban[:34],
        tx.text,
        m.reason[:200],
        "",
        entry_id,
        "",
        actor_id,
    )


@transaction.atomic
def statement_import(
    *, data: bytes, file_name: str, fmt: str = "", layout: RegistryLayout | None = None, actor=None, notify=True
) -> StatementImport:
    """Upload and post in one go (the watched folder, the benchmark); the file is parsed once."""
    statement, parsed = _statement_upload(data=data, file_name=file_name, fmt=fmt, layout=layout, actor=actor)
    return statement_post(statement=statement, actor=actor, notify=notify, _parsed=parsed)


@transaction.atomic
def statement_discard(*, statement: StatementImport, actor=None) -> StatementImport:
    updated = StatementImport.objects.filter(pk=statement.pk, status=StatementStatus.PREVIEW).update(
        status=StatementStatus.DISCARDED
    )
    if not updated:
        raise ApplicationError("statement_not_pending", _("This statement was already posted or discarded."))
    statement.refresh_from_db()
    event_record(kind="statement.discarded", actor=actor, obj=statement)
    return statement


# --- the staff queue -------------------------------------------------------------------


def _reason_required(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("reason_required", _("Give a reason: it is kept in the audit trail."), field="reason")
    return reason


def _queued(payment: Payment) -> Payment:
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != PaymentStatus.UNMATCHED:
        raise ApplicationError("not_in_queue", _("This payment is no longer waiting for assignment."))
    return payment


@transaction.atomic
def payment_assign(*, payment: Payment, account: Account, reason: str, actor) -> Payment:
    """Staff assign a waiting payment to an account: it is posted now."""
    reason = _reason_required(reason)
    payment = _queued(payment)
    payment.ledger_entry = ledger_post(
        account=account,
        kind=EntryKind.PAYMENT,
        amount=-payment.amount,
        posted_on=payment.paid_on,
        description=payment.external_id[:300],
    )
    payment.account = account
    payment.status = PaymentStatus.REGISTERED
    payment.match_reason = (_("assigned by staff: %(reason)s") % {"reason": reason})[:200]
    payment.actor = actor
    payment.save(update_fields=["ledger_entry", "account", "status", "match_reason", "actor"])
    event_record(
        kind="payment.assigned",
        actor=actor,
        obj=payment,
        message=reason,
        data={"account": account.number, "amount": str(payment.amount)},
    )
    payments_notify([payment])
    return payment


@transaction.atomic
def payment_split(*, payment: Payment, parts: list[tuple[Account, Decimal]], reason: str, actor) -> list[Payment]:
    """Split a waiting payment between accounts; the parts must add up to the whole."""
    reason = _reason_required(reason)
    payment = _queued(payment)
    if len(parts) < 2:
        raise ApplicationError("split_parts", _("A split needs at least two parts."), field="parts")
    for _account, amount in parts:
        _check_amount(amount)
    total = sum((amount for _account, amount in parts), Decimal("0.00"))
    if total != payment.amount:
        raise ApplicationError(
            "split_total",
            _("The parts add up to %(total)s, the payment is %(amount)s.") % {"total": total, "amount": payment.amount},
            field="parts",
        )
    created = []
    for index, (account, amount) in enumerate(parts, start=1):
        part, _new = payment_register(
            account=account,
            amount=amount,
            paid_on=payment.paid_on,
            channel=payment.channel,
            external_id=f"{payment.external_id}#{index}" if payment.external_id else "",
            payer_name=payment.payer_name,
            payer_iban=payment.payer_iban,
            purpose=payment.purpose,
            match_reason=(_("split by staff: %(reason)s") % {"reason": reason})[:200],
            actor=actor,
        )
        Payment.objects.filter(pk=part.pk).update(parent=payment, statement=payment.statement_id)
        created.append(part)
    payment.status = PaymentStatus.SPLIT
    payment.actor = actor
    payment.save(update_fields=["status", "actor"])
    event_record(
        kind="payment.split",
        actor=actor,
        obj=payment,
        message=reason,
        data={"parts": [[a.number, str(amount)] for a, amount in parts]},
    )
    return created


@transaction.atomic
def payment_mark_not_ours(*, payment: Payment, reason: str, actor) -> Payment:
    """A transfer that is not for us (to be returned by the bank): it leaves the queue."""
    reason = _reason_required(reason)
    payment = _queued(payment)
    payment.status = PaymentStatus.NOT_OURS
    payment.match_reason = reason[:200]
    payment.actor = actor
    payment.save(update_fields=["status", "match_reason", "actor"])
    event_record(
        kind="payment.not_ours", actor=actor, obj=payment, message=reason, data={"amount": str(payment.amount)}
    )
    return payment


# --- the cashier ---------------------------------------------------------------------


def receipt_number_next(year: int) -> str:
    ReceiptCounter.objects.get_or_create(year=year)
    ReceiptCounter.objects.select_for_update().filter(year=year).update(last=F("last") + 1)
    last = ReceiptCounter.objects.get(year=year).last
    return f"K{year}-{last:06d}"


@transaction.atomic
def cashier_payment_register(
    *,
    account: Account,
    amount: Decimal,
    method: str,
    actor,
    invoice: Invoice | None = None,
    payer_name: str = "",
    request_token: str = "",
) -> Payment:
    """Cash or card at the office. `request_token` (from the form) makes a double click
    register one payment."""
    if method not in ("cash", "card"):
        raise ApplicationError("invalid_method", _("Choose cash or card."), field="method")
    _check_amount(amount)
    if request_token:
        existing = Payment.objects.filter(
            channel=PaymentChannel.CASHIER, purpose=f"token:{request_token}", actor=actor
        ).first()
        if existing:
            return existing
    today = timezone.localdate()
    number = receipt_number_next(today.year)
    payment, _new = payment_register(
        account=account,
        amount=amount,
        paid_on=today,
        channel=PaymentChannel.CASHIER,
        external_id=number,
        payer_name=payer_name,
        purpose=f"token:{request_token}" if request_token else "",
        match_reason=_("cashier"),
        method=method,
        invoice=invoice,
        actor=actor,
    )
    return payment
