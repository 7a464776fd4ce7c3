import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from celery import current_app
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kabinet.billing import building, runs
from kabinet.billing.balances import balances_kept
from kabinet.billing.estimate import charge_estimate
from kabinet.billing.models import (
    BillingChunk,
    BillingRun,
    ChunkStatus,
    Correction,
    EntryKind,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    LineKind,
    Method,
    RunStatus,
)
from kabinet.customers.models import Account
from kabinet.lib.money import money, vat_of
from kabinet.meters.submission import readings_apply_queued
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import Service, UtilityProfile
from kabinet.utility.services import event_record


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
    balance_before = balances_kept([account.pk])[account.pk]
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
    invoice.penalty_total = sum((row.total for row in rows if row.kind == LineKind.PENALTY), Decimal("0.00"))
    invoice.has_estimates = any(
        (row.kind == LineKind.CHARGE and row.method in (Method.AVERAGE, Method.NORM, Method.NORM_COEFFICIENT))
        or row.kind == LineKind.CORRECTION
        for row in rows
    )
    invoice.amount_due = invoice.previous_balance - invoice.payments_received + invoice.total
    invoice.save()
    for row in rows:
        row.invoice = invoice
    InvoiceLine.objects.bulk_create(rows)
    invoice_post(invoice)
    return invoice


def invoice_post(invoice: Invoice) -> None:
    """Post an issued invoice: its principal and its penalties as separate entries."""
    principal = invoice.total - invoice.penalty_total
    if principal:
        ledger_post(
            account=invoice.account_id,
            kind=EntryKind.INVOICE,
            amount=principal,
            posted_on=invoice.issued_on,
            invoice=invoice,
            description=invoice.number,
        )
    if invoice.penalty_total:
        ledger_post(
            account=invoice.account_id,
            kind=EntryKind.PENALTY,
            amount=invoice.penalty_total,
            posted_on=invoice.issued_on,
            invoice=invoice,
            description=invoice.number,
        )


@transaction.atomic
def correction_add(
    *,
    account: Account,
    reason: str,
    price: Decimal,
    quantity: Decimal = Decimal("1"),
    vat_rate: Decimal = Decimal("0"),
    service: Service | None = None,
    actor=None,
) -> Correction:
    """Correct something already published: the next billing run puts it on the
    account's next invoice as its own line with the reason (published invoices are
    never edited). A negative price or quantity credits the customer."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("correction_reason", _("Say why the correction is made."), field="reason")
    if not money(quantity * price):
        raise ApplicationError("correction_zero", _("The correction amounts to nothing."), field="price")
    correction = Correction.objects.create(
        account=account,
        service=service,
        quantity=quantity,
        price=price,
        vat_rate=vat_rate,
        reason=reason[:300],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    event_record(
        kind="correction.added",
        actor=actor,
        obj=correction,
        message=reason,
        data={"account": account.number, "amount": str(money(quantity * price))},
    )
    return correction


# --- billing runs ---------------------------------------------------------------------------------

DEFAULT_CHUNK_SIZE = 10000


def _run_error(code: str, message: str) -> ApplicationError:
    return ApplicationError(code, message)


def run_set_status(run: BillingRun, status: str, *, actor=None, data: dict | None = None) -> None:
    """The one door for a run's status: refuses transitions the table does not allow."""
    if not run.can_become(status):
        raise _run_error(
            "run_status",
            _("A run that is %(old)s cannot become %(new)s.")
            % {"old": run.get_status_display(), "new": RunStatus(status).label},
        )
    old = run.status
    run.status = status
    run.save(update_fields=["status", "finished", "published", "invoice_count", "total", "summary"])
    event_record(
        kind=f"billing_run.{status}",
        actor=actor,
        obj=run,
        message=f"{run.period:%Y-%m}: {old} → {status}",
        data=data or {},
    )


@transaction.atomic
def billing_run_start(
    *,
    period: dt.date,
    actor=None,
    issued_on: dt.date | None = None,
    due_on: dt.date | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> BillingRun:
    """Start the run for a period, or return the unfinished one (to resume it).

    The accounts are split into chunks of account ids, each billed in its own
    transaction by billing_run_work()."""
    period = period.replace(day=1)
    # Readings saved before their window and not applied yet (the hourly job did not run
    # while it was open) are decided now, so the run reads them.
    readings_apply_queued(period=period, charge_estimator=charge_estimate)
    existing = BillingRun.objects.select_for_update().filter(period=period).exclude(status=RunStatus.CANCELLED).first()
    if existing is not None:
        if existing.status == RunStatus.RUNNING:
            return existing
        raise _run_error(
            "run_exists", _("The period %(period)s has already been billed.") % {"period": f"{period:%m.%Y}"}
        )
    context = runs.context_build(period=period, issued_on=issued_on, due_on=due_on)
    if context.building_rule:
        # Before the chunks: each reads the finished shares (staff may have computed and
        # reviewed them already; those are kept).
        building.building_balances_compute(period=period, actor=actor, only_missing=True)
    run = BillingRun.objects.create(
        period=period,
        status=RunStatus.RUNNING,
        actor=actor if getattr(actor, "pk", None) else None,
        issued_on=context.issued_on,
        due_on=context.due_on,
    )
    ranges = runs.chunk_ranges(period, chunk_size)
    BillingChunk.objects.bulk_create(
        [BillingChunk(run=run, first_account_id=lo, last_account_id=hi) for lo, hi, _count in ranges]
    )
    event_record(
        kind="billing_run.started",
        actor=actor,
        obj=run,
        message=f"{period:%Y-%m}",
        data={"accounts": sum(count for _lo, _hi, count in ranges), "chunk_size": chunk_size},
    )
    return run


def billing_chunk_process(*, run_id: int, context: runs.RunContext | None = None) -> bool:
    """Claim one pending chunk of the run and bill it in one transaction; False when
    none is left. Safe to call from several processes at once (SKIP LOCKED)."""
    with transaction.atomic():
        chunk = (
            BillingChunk.objects.select_for_update(skip_locked=True)
            .filter(run_id=run_id, status=ChunkStatus.PENDING)
            .order_by("first_account_id")
            .first()
        )
        if chunk is None:
            return False
        if connection.vendor == "postgresql":
            # A chunk is idempotent and resumable: should the server crash before its
            # commit reaches the disk, the chunk is simply still pending and is billed
            # again, so this commit need not wait for the WAL flush.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        run = BillingRun.objects.get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            return False
        if context is None or context.run_id != run_id:
            context = runs.context_build(period=run.period, issued_on=run.issued_on, due_on=run.due_on)
            context.run_id = run_id
        runs.chunk_bill(context, chunk)
    return True


@transaction.atomic
def billing_run_finish(*, run_id: int, actor=None) -> BillingRun:
    """Close a run whose chunks are all done: totals and summary from the chunks."""
    run = BillingRun.objects.select_for_update().get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run
    if BillingChunk.objects.filter(run=run).exclude(status=ChunkStatus.DONE).exists():
        return run
    summary: dict = {}
    for chunk_summary in BillingChunk.objects.filter(run=run).values_list("summary", flat=True):
        summary = runs.summary_merge(summary, chunk_summary)
    run.summary = summary
    # Each chunk counted its invoices (counting a million rows again would take a while).
    run.invoice_count = sum(BillingChunk.objects.filter(run=run).values_list("invoice_count", flat=True))
    # Summed exactly in Python by the chunks (SQLite would sum the column as floats).
    run.total = Decimal(summary["total"]) if summary else Decimal("0.00")
    run.finished = timezone.now()
    run_set_status(run, RunStatus.DRAFT, actor=actor, data={"invoices": run.invoice_count, "total": str(run.total)})
    return run


def billing_run_work(*, run_id: int, actor=None) -> BillingRun:
    """Bill every pending chunk of the run in this process, then close it."""
    context = None
    run = BillingRun.objects.get(pk=run_id)
    context = runs.context_build(period=run.period, issued_on=run.issued_on, due_on=run.due_on)
    context.run_id = run_id
    while billing_chunk_process(run_id=run_id, context=context):
        pass
    return billing_run_finish(run_id=run_id, actor=actor)


# The workers' task, by name: a task imports its service, never the reverse.
BILL_CHUNKS_TASK = "kabinet.billing.tasks.billing_run_chunks"


def billing_run(
    *, period: dt.date, actor=None, issued_on=None, due_on=None, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> BillingRun:
    """Start (or resume) the run and bill it: with Celery workers on PostgreSQL the
    chunks are spread over them, otherwise they are billed here."""
    run = billing_run_start(period=period, actor=actor, issued_on=issued_on, due_on=due_on, chunk_size=chunk_size)
    from django.conf import settings

    if connection.vendor == "postgresql" and not settings.CELERY_TASK_ALWAYS_EAGER:
        workers = max(1, getattr(settings, "BILLING_WORKERS", 4))
        for _n in range(workers):
            current_app.send_task(BILL_CHUNKS_TASK, args=[run.pk])
        return run
    return billing_run_work(run_id=run.pk, actor=actor)


@transaction.atomic
def billing_run_cancel(*, run: BillingRun, actor) -> BillingRun:
    """Cancel a run before publication: its drafts are deleted. They never had numbers,
    so nothing is returned to the counter and no gap can appear."""
    run = BillingRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in (RunStatus.RUNNING, RunStatus.DRAFT):
        raise _run_error("run_published", _("A published run cannot be cancelled; correct it in the next period."))
    # Wait for chunks being billed right now, and keep workers off the rest.
    list(BillingChunk.objects.select_for_update().filter(run=run).values_list("id", flat=True))
    drafts = Invoice.objects.filter(run=run, status=InvoiceStatus.DRAFT)
    deleted = drafts.count()
    InvoiceLine.objects.filter(invoice__in=drafts.values("id")).delete()
    drafts.delete()
    run_set_status(run, RunStatus.CANCELLED, actor=actor, data={"drafts_deleted": deleted})
    return run


def _number_sql() -> str:
    if connection.vendor == "postgresql":
        return (
            f"UPDATE {runs.T_INVOICE} SET status = 'issued', seq = r.seq,"
            " number = year || '-' || lpad(r.seq::text, greatest(6, length(r.seq::text)), '0')"
            f" FROM (SELECT id, %s + row_number() OVER (ORDER BY account_id) AS seq FROM {runs.T_INVOICE}"
            f" WHERE run_id = %s AND status = 'draft') AS r WHERE {runs.T_INVOICE}.id = r.id"
        )
    return (
        f"UPDATE {runs.T_INVOICE} SET status = 'issued', seq = r.seq, number = printf('%%d-%%06d', year, r.seq)"
        f" FROM (SELECT id, %s + row_number() OVER (ORDER BY account_id) AS seq FROM {runs.T_INVOICE}"
        f" WHERE run_id = %s AND status = 'draft') AS r WHERE {runs.T_INVOICE}.id = r.id"
    )


@transaction.atomic
def billing_run_publish(*, run: BillingRun, actor) -> BillingRun:
    """Publish a finished run: number its invoices in one block (no gaps: the counter
    moves in this transaction), post them to the ledger, and queue the e-mails, which
    leave on the invoice day. Customers see the invoices from the invoice day on."""
    run = BillingRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.DRAFT:
        raise _run_error("run_not_ready", _("Only a finished, unpublished run can be published."))
    building.publish_check(run.period)
    drafts = Invoice.objects.filter(run=run, status=InvoiceStatus.DRAFT)
    count = drafts.count()
    year = run.issued_on.year
    now = timezone.now()
    if count:
        first = invoice_numbers_reserve(year=year, count=count)
        with connection.cursor() as cursor:
            cursor.execute(_number_sql(), [first - 1, run.pk])
            for kind, amount in (("invoice", "total - penalty_total"), ("penalty", "penalty_total")):
                cursor.execute(
                    f"INSERT INTO {runs.T_LEDGER}"
                    " (account_id, posted_on, created, kind, amount, invoice_id, description)"
                    f" SELECT account_id, issued_on, %s, %s, {amount}, id, number FROM {runs.T_INVOICE}"
                    f" WHERE run_id = %s AND {amount} <> 0",
                    [now, kind, run.pk],
                )
    run.published = now
    run_set_status(run, RunStatus.PUBLISHED, actor=actor, data={"invoices": count})
    invoice_mails_enqueue(run=run)
    return run


def invoice_mails_enqueue(*, run: BillingRun) -> int:
    """Queue the "invoice issued" e-mail for every login that may see the invoice and
    wants such mail; sent from the invoice day on. One message per invoice and login."""
    from kabinet.billing.selectors import invoice_mail_recipients
    from kabinet.notifications.models import MailKind, OutboxMessage
    from kabinet.notifications.services import message_enqueue

    profile = UtilityProfile.get()
    send_from = timezone.make_aware(dt.datetime.combine(run.issued_on, dt.time(8, 0)))
    queued = []
    for user, invoice in invoice_mail_recipients(run_id=run.pk):
        language = user.language or invoice.account.customer.language or (profile.language_codes or ["en"])[0]
        message = message_enqueue(
            to=user.email,
            template="invoice_issued",
            context={"invoice": invoice, "account": invoice.account, "user": user, "utility": profile},
            kind=MailKind.INVOICE,
            language=language,
            user=user,
            customer_id=invoice.account.customer_id,
            dedupe_key=f"invoice:{invoice.pk}:{user.pk}",
        )
        if message is not None:
            queued.append(message.pk)
    if queued and send_from > timezone.now():
        OutboxMessage.objects.filter(pk__in=queued).update(next_attempt_at=send_from)
    return len(queued)


@dataclass
class Preview:
    period: dt.date
    issued_on: dt.date
    due_on: dt.date
    summary: dict
    bills: list  # the rated drafts, kept only for a one-account preview
    accounts: int


def billing_preview(
    *, period: dt.date, account: Account | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Preview:
    """What a run would bill and why, without writing anything."""
    period = period.replace(day=1)
    context = runs.context_build(period=period)
    summary: dict = {}
    bills = []
    ranges = runs.chunk_ranges(period, chunk_size, account.pk if account else None)
    for lo, hi, _count in ranges:
        with translation.override(context.language):
            loaded = runs.chunk_load(context, lo, hi)
            drafts = runs.chunk_rate(context, loaded)
        summary = runs.summary_merge(summary, runs.summarise(drafts, context.rate.services))
        if account is not None:
            bills.extend(drafts)
    if not summary:
        summary = runs.summarise([], context.rate.services)
    accounts = sum(count for _lo, _hi, count in ranges)
    return Preview(period, context.issued_on, context.due_on, summary, bills, accounts)
