import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from kabinet.billing.balances import balances_kept
from kabinet.billing.models import Invoice, InvoiceLine, LedgerEntry, LineKind, Method
from kabinet.lib.money import money
from kabinet.lib.periods import add_months, month_start
from kabinet.meters.models import CURRENT_STATUSES, Reading, ReadingStatus
from kabinet.utility.models import Basis, Service


def account_balances(account_ids: Iterable[int]) -> dict[int, Decimal]:
    """Balance per account (positive = debt, negative = credit), one query for all: the
    sum of the whole ledger as the database keeps it (kabinet.billing.balances)."""
    return balances_kept(account_ids)


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


# --- consumption by month -------------------------------------------------------------------------
# What a customer used of each metered service, month by month: what was billed (by reading,
# average or norm) with its cost, and for a month read but not billed yet, what the meters say.
# Services charged by area, residents or a fixed sum have no consumption and are left out.

ESTIMATED_METHODS = (Method.AVERAGE, Method.NORM, Method.NORM_COEFFICIENT)


@dataclass(frozen=True)
class MonthUse:
    """One service's consumption in one month; quantity None: nothing billed or read."""

    period: dt.date
    quantity: Decimal | None = None
    cost: Decimal | None = None  # the billed total with VAT; None: not billed (yet)
    estimated: bool = False  # billed or estimated without the customer's reading
    pending: bool = False  # not billed yet: the month comes after the newest invoice

    @property
    def has_data(self) -> bool:
        return self.quantity is not None

    @property
    def billed(self) -> bool:
        return self.cost is not None


@dataclass(frozen=True)
class MonthRow:
    month: MonthUse
    year_ago: MonthUse  # the same month a year earlier


@dataclass
class ServiceUse:
    service: Service
    rows: list[MonthRow]  # oldest first

    @property
    def newest_first(self) -> list[MonthRow]:
        return self.rows[::-1]

    @property
    def latest(self) -> MonthRow:
        return self.rows[-1]

    @property
    def previous(self) -> MonthRow | None:
        return self.rows[-2] if len(self.rows) > 1 else None


Figures = dict[tuple[int, dt.date], MonthUse]


def consumption_merge(billed: Figures, read: Figures) -> Figures:
    """A month's invoice says what was charged (by reading, average or norm): it wins over
    the readings of the same month. A month read but not billed yet shows its readings."""
    return {**read, **billed}


def consumption_periods(figures: Figures, *, months: int, until: dt.date | None = None) -> list[dt.date]:
    """The months to show, oldest first: `months` months up to `until`; without `until`, up to
    the newest month with data, from the first month with data on (no empty months before)."""
    if until is not None:
        return [add_months(until, n) for n in range(1 - months, 1)]
    if not figures:
        return []
    newest = max(period for _service, period in figures)
    periods = [add_months(newest, n) for n in range(1 - months, 1)]
    first = min(period for _service, period in figures)
    return [p for p in periods if p >= first]


def consumption_rows(
    figures: Figures, service_id: int, periods: list[dt.date], *, billed_until: dt.date | None
) -> list[MonthRow]:
    """The service's months with the same months a year earlier. A month after the newest
    invoice (`billed_until`) is pending: read but not billed yet, or not even read (a service
    without a meter, such as sewerage, has no figure until it is billed)."""
    rows = []
    for period in periods:
        before = add_months(period, -12)
        pending = billed_until is None or period > billed_until
        month = figures.get((service_id, period)) or MonthUse(period)
        rows.append(
            MonthRow(
                month=replace(month, pending=pending and not month.billed),
                year_ago=figures.get((service_id, before)) or MonthUse(before),
            )
        )
    return rows


def consumption_history(account, *, today: dt.date, months: int = 12, until: dt.date | None = None) -> list[ServiceUse]:
    """Each metered service's consumption in the last `months` months (up to `until`, or up to
    the newest month billed or read), each with the same month a year earlier.

    Three queries whatever the length of the history: the invoice lines the customer can see,
    the current readings of the premises' meters since the account was opened (a previous
    occupant's readings are not this customer's), and the services."""
    last = until or month_start(today)
    first = add_months(last, -(months - 1) - 12)
    billed_rows = (
        InvoiceLine.objects.filter(
            invoice__account_id=account.pk,
            invoice__status="issued",
            invoice__issued_on__lte=today,
            invoice__period__gte=first,
            invoice__period__lte=last,
            kind=LineKind.CHARGE,
            service__basis=Basis.METERED,
        )
        .values("invoice__period", "service_id")
        .annotate(
            quantity=Sum("quantity"),
            cost=Sum("total"),
            estimated=Count("id", filter=Q(method__in=ESTIMATED_METHODS)),
        )
    )
    # SQLite sums decimals as floats: back to the columns' places.
    billed = {
        (r["service_id"], r["invoice__period"]): MonthUse(
            r["invoice__period"],
            Decimal(r["quantity"]).quantize(Decimal("0.0001")),
            money(r["cost"]),
            bool(r["estimated"]),
        )
        for r in billed_rows
    }
    read_rows = (
        Reading.objects.filter(
            meter__premises_id=account.premises_id,
            meter__service__basis=Basis.METERED,
            status__in=CURRENT_STATUSES,
            consumption__isnull=False,
            period__gte=max(first, month_start(account.opened_on)),
            period__lte=last,
        )
        .values("period", "meter__service_id")
        .annotate(
            quantity=Sum("consumption"),
            estimated=Count("id", filter=Q(status=ReadingStatus.ESTIMATED)),
        )
    )
    read = {
        (r["meter__service_id"], r["period"]): MonthUse(
            r["period"], Decimal(r["quantity"]).quantize(Decimal("0.001")), None, bool(r["estimated"])
        )
        for r in read_rows
    }
    figures = consumption_merge(billed, read)
    periods = consumption_periods(figures, months=months, until=until)
    shown = set(periods)
    service_ids = {sid for sid, period in figures if period in shown}
    services = Service.objects.filter(pk__in=service_ids).order_by("sort_order", "id") if service_ids else []
    billed_until = max((period for _sid, period in billed), default=None)
    return [
        ServiceUse(service, consumption_rows(figures, service.pk, periods, billed_until=billed_until))
        for service in services
    ]


def consumption_comparison(invoice: Invoice, *, today: dt.date) -> list[ServiceUse]:
    """The invoice's month and the month before, each with the same month a year earlier."""
    return consumption_history(invoice.account, today=today, months=2, until=invoice.period)
