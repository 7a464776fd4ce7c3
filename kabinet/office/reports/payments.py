"""Payments by day, channel and bank file: what came in during the month.

Every payment received counts once: registered to an account, waiting for assignment,
or reversed since (a split payment counts as its parts, a payment that was not the
utility's not at all). "Credited" is what reached the accounts: the registered ones.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from kabinet.office.reports.columns import DATE, INT, MONEY, TEXT, Column
from kabinet.office.reports.filters import Filters
from kabinet.payments.models import Payment, PaymentChannel, PaymentStatus

ZERO = Decimal("0.00")
RECEIVED = (PaymentStatus.REGISTERED, PaymentStatus.UNMATCHED, PaymentStatus.REVERSED)


@dataclass
class PaymentDay:
    day: dt.date | None
    channel: str
    bank_file: str
    count: int
    received: Decimal
    unmatched: Decimal
    reversed: Decimal
    credited: Decimal


def columns() -> list[Column]:
    return [
        Column("day", _("Paid on"), DATE),
        Column("channel", _("Channel"), TEXT),
        Column("bank_file", _("Bank file"), TEXT),
        Column("count", _("Payments"), INT),
        Column("received", _("Received"), MONEY),
        Column("unmatched", _("Waiting for assignment"), MONEY),
        Column("reversed", _("Reversed"), MONEY),
        Column("credited", _("Credited to accounts"), MONEY),
    ]


def payments(filters: Filters):
    payments = Payment.objects.filter(status__in=RECEIVED, paid_on__gte=filters.period, paid_on__lte=filters.period_end)
    return payments.filter(filters.premises_q("account__premises"))


def rows(filters: Filters) -> list[PaymentDay]:
    """One row per day, channel and bank file, the earliest first (one query)."""
    channels = dict(PaymentChannel.choices)
    grouped = (
        payments(filters)
        .values("paid_on", "channel", "statement_id", "statement__file_name")
        .annotate(
            count=Count("id"),
            received=Sum("amount"),
            unmatched=Sum("amount", filter=Q(status=PaymentStatus.UNMATCHED)),
            reversed=Sum("amount", filter=Q(status=PaymentStatus.REVERSED)),
            credited=Sum("amount", filter=Q(status=PaymentStatus.REGISTERED)),
        )
        .order_by("paid_on", "channel", "statement_id")
    )
    return [
        PaymentDay(
            g["paid_on"],
            str(channels.get(g["channel"], g["channel"])),
            g["statement__file_name"] or "",
            g["count"],
            g["received"],
            g["unmatched"] or ZERO,
            g["reversed"] or ZERO,
            g["credited"] or ZERO,
        )
        for g in grouped
    ]


def totals(found: list[PaymentDay]) -> PaymentDay:
    def total(key: str) -> Decimal:
        return sum((getattr(r, key) for r in found), ZERO)

    return PaymentDay(
        None,
        "",
        "",
        sum(r.count for r in found),
        total("received"),
        total("unmatched"),
        total("reversed"),
        total("credited"),
    )


def by_day(found: list[PaymentDay]) -> list[tuple[dt.date, Decimal]]:
    """What was received each day of the month (for the dashboard's chart)."""
    days: dict[dt.date, Decimal] = {}
    for r in found:
        days[r.day] = days.get(r.day, ZERO) + r.received
    return sorted(days.items())
