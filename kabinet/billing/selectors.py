import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from kabinet.billing.models import Invoice, LedgerEntry
from kabinet.lib.money import money


def account_balances(account_ids: Iterable[int]) -> dict[int, Decimal]:
    """Balance per account (positive = debt, negative = credit), one query for all."""
    ids = list(account_ids)
    balances = {account_id: Decimal("0.00") for account_id in ids}
    rows = (
        LedgerEntry.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(balance=Sum("amount"))
        .values_list("account_id", "balance")
    )
    for account_id, balance in rows:
        # SQLite sums decimals as floats (1.4e-14 instead of 0): back to cents.
        balances[account_id] = money(balance)
    return balances


def account_balance(account_id: int) -> Decimal:
    return account_balances([account_id])[account_id]


def invoices_for_account(account_id: int) -> QuerySet[Invoice]:
    """Invoices the customer may see: issued, from their invoice day on."""
    from django.utils import timezone

    return visible_invoices(account_id, timezone.localdate())


def invoice_mail_recipients(*, run_id: int):
    """(login, invoice) pairs for the run's e-mails: logins with the right to see
    invoices, an e-mail address and no opt-out of invoice mail. Only the invoices of
    accounts with such a login are loaded, in batches."""
    from kabinet.customers.models import AccessRole, AccountAccess, MailPreference

    opted_out = set(MailPreference.objects.filter(kind="invoice", enabled=False).values_list("user_id", flat=True))
    accesses = [
        access
        for access in AccountAccess.objects.filter(
            account__invoices__run_id=run_id,
            role__in=[AccessRole.HOLDER, AccessRole.READINGS_INVOICES],
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("account_id", "user_id")
        if access.user_id not in opted_out
    ]
    account_ids = sorted({access.account_id for access in accesses})
    invoices: dict[int, Invoice] = {}
    for at in range(0, len(account_ids), 2000):
        batch = account_ids[at : at + 2000]
        for invoice in Invoice.objects.filter(run_id=run_id, status="issued", account_id__in=batch).select_related(
            "account__customer"
        ):
            invoices[invoice.account_id] = invoice
    for access in accesses:
        if access.account_id in invoices:
            yield access.user, invoices[access.account_id]


def visible_invoices(account_id: int, today: dt.date) -> QuerySet[Invoice]:
    """What a customer sees: issued invoices from their invoice day on."""
    return Invoice.objects.filter(account_id=account_id, status="issued", issued_on__lte=today).order_by(
        "-period", "-id"
    )


def invoice_for_accounts(account_ids: Iterable[int], pk: int, today: dt.date) -> Invoice | None:
    return (
        Invoice.objects.filter(pk=pk, account_id__in=list(account_ids), status="issued", issued_on__lte=today)
        .select_related("account__customer", "account__premises__building")
        .prefetch_related("lines__service")
        .first()
    )


@dataclass
class StatementPeriod:
    month: dt.date
    entries: list
    opening: Decimal
    closing: Decimal


def statement(account_id: int, today: dt.date) -> list[StatementPeriod]:
    """Every ledger entry up to today with the running balance, grouped by month (one query)."""
    periods: list[StatementPeriod] = []
    running = Decimal("0.00")
    entries = (
        LedgerEntry.objects.filter(account_id=account_id, posted_on__lte=today)
        .select_related("invoice")
        .order_by("posted_on", "id")
    )
    for entry in entries:
        month = entry.posted_on.replace(day=1)
        if not periods or periods[-1].month != month:
            periods.append(StatementPeriod(month, [], running, running))
        running += entry.amount
        entry.running = running
        periods[-1].entries.append(entry)
        periods[-1].closing = running
    return periods


@dataclass
class ComparisonRow:
    service: str
    unit: str
    now: tuple[Decimal, Decimal] | None
    previous: tuple[Decimal, Decimal] | None
    last_year: tuple[Decimal, Decimal] | None

    @property
    def cells(self):
        return (self.now, self.previous, self.last_year)


def consumption_comparison(account_id: int, invoice: Invoice) -> list[ComparisonRow]:
    """Volume and cost per service: this invoice's period, the month before and the same
    month a year earlier (one query)."""
    from kabinet.billing.models import InvoiceLine
    from kabinet.lib.periods import add_months
    from kabinet.utility.models import Service, Unit

    now, previous, last_year = invoice.period, add_months(invoice.period, -1), add_months(invoice.period, -12)
    rows = (
        InvoiceLine.objects.filter(
            invoice__account_id=account_id,
            invoice__status="issued",
            invoice__period__in=[now, previous, last_year],
            kind="charge",
            service__isnull=False,
        )
        .values("invoice__period", "service_id")
        .annotate(quantity=Sum("quantity"), cost=Sum("total"))
    )
    data: dict[int, dict[dt.date, tuple[Decimal, Decimal]]] = {}
    for row in rows:
        data.setdefault(row["service_id"], {})[row["invoice__period"]] = (row["quantity"], row["cost"])
    services = Service.objects.in_bulk(list(data))
    result = []
    for sid in sorted(data, key=lambda s: (services[s].sort_order, s)):
        service = services[sid]
        values = data[sid]
        result.append(
            ComparisonRow(
                service=service.name,
                unit=Unit(service.unit).label if service.unit in Unit.values else service.unit,
                now=values.get(now),
                previous=values.get(previous),
                last_year=values.get(last_year),
            )
        )
    return result
