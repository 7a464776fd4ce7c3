"""The utility's turnover per month: charged, paid and the balance at the month's end,
for the twelve months up to the chosen one, from the ledger.

charged = invoices (their principal, corrections included: a correction is a line of the
next invoice) + corrections posted by themselves + penalties; paid = payments − their
reversals; the closing balance is the ledger's sum up to the month's end (opening balances
included), what customers owe net of their credit.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import EntryKind, LedgerEntry
from kabinet.lib.periods import add_months
from kabinet.office.reports.columns import MONEY, MONTH, Column
from kabinet.office.reports.filters import Filters

ZERO = Decimal("0.00")
MONTHS = 12


@dataclass
class Month:
    month: dt.date | None
    invoiced: Decimal
    penalties: Decimal
    charged: Decimal
    paid: Decimal
    other: Decimal  # opening balances transferred in
    closing: Decimal | None

    @property
    def net(self) -> Decimal:
        return self.charged - self.paid


def columns() -> list[Column]:
    return [
        Column("month", _("Month"), MONTH),
        Column("invoiced", _("Invoiced"), MONEY),
        Column("penalties", _("Penalties"), MONEY),
        Column("charged", _("Charged"), MONEY),
        Column("paid", _("Paid"), MONEY),
        Column("other", _("Opening balances"), MONEY),
        Column("closing", _("Balance at the end"), MONEY),
    ]


def rows(filters: Filters) -> list[Month]:
    """Twelve months, the earliest first (two queries: the balance before them, the months)."""
    first = add_months(filters.period, -(MONTHS - 1))
    entries = LedgerEntry.objects.filter(filters.premises_q("account__premises"))
    before = entries.filter(posted_on__lt=first).aggregate(s=Sum("amount"))["s"] or ZERO
    kind = {
        "invoiced": Q(kind__in=[EntryKind.INVOICE, EntryKind.CORRECTION]),
        "penalties": Q(kind=EntryKind.PENALTY),
        "paid": Q(kind__in=[EntryKind.PAYMENT, EntryKind.REVERSAL]),
        "other": Q(kind=EntryKind.OPENING),
    }
    grouped = {
        g["month"]: g
        for g in entries.filter(posted_on__gte=first, posted_on__lte=filters.period_end)
        .annotate(month=TruncMonth("posted_on"))
        .values("month")
        .annotate(**{name: Sum("amount", filter=q) for name, q in kind.items()}, all=Sum("amount"))
        .order_by()
    }
    out, balance = [], before
    for k in range(MONTHS):
        month = add_months(first, k)
        g = grouped.get(month, {})
        invoiced, penalties = g.get("invoiced") or ZERO, g.get("penalties") or ZERO
        balance += g.get("all") or ZERO
        out.append(
            Month(
                month,
                invoiced,
                penalties,
                invoiced + penalties,
                -(g.get("paid") or ZERO),
                g.get("other") or ZERO,
                balance,
            )
        )
    return out


def totals(found: list[Month]) -> Month:
    def total(key: str) -> Decimal:
        return sum((getattr(r, key) for r in found), ZERO)

    return Month(None, total("invoiced"), total("penalties"), total("charged"), total("paid"), total("other"), None)
