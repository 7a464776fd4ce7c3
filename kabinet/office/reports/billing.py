"""The billing run's summary: the month's invoice lines by service and tariff, beside the
previous month's.

A tariff is the line's service, kind, price and VAT rate: a price change mid-year shows
as two rows, this month's and last month's, each against what the other month billed at
that price. Every invoice of the month counts, published or still a draft of a run
waiting to be published (the summary is read before publishing too); a cancelled run's
drafts are deleted, and previews are left out.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import InvoiceLine, LineKind, RunStatus
from kabinet.office.reports.columns import INT, MONEY, QTY, TEXT, Column
from kabinet.office.reports.filters import Filters
from kabinet.utility.models import Service, Unit

ZERO = Decimal("0.00")
QZERO = Decimal("0.0000")


@dataclass
class TariffRow:
    service: str
    kind: str
    price: Decimal
    vat_rate: Decimal
    unit: str
    invoices: int
    quantity: Decimal
    amount: Decimal  # without VAT
    vat: Decimal
    total: Decimal
    previous_invoices: int
    previous_quantity: Decimal
    previous_total: Decimal

    @property
    def change(self) -> Decimal:
        return self.total - self.previous_total


def columns() -> list[Column]:
    return [
        Column("service", _("Service"), TEXT),
        Column("kind", _("Kind"), TEXT),
        Column("price", _("Price"), QTY),
        Column("vat_rate", _("VAT, %"), QTY),
        Column("unit", _("Unit"), TEXT),
        Column("invoices", _("Invoices"), INT),
        Column("quantity", _("Quantity"), QTY),
        Column("amount", _("Without VAT"), MONEY),
        Column("vat", _("VAT"), MONEY),
        Column("total", _("Total"), MONEY),
        Column("previous_invoices", _("Invoices, previous month"), INT),
        Column("previous_quantity", _("Quantity, previous month"), QTY),
        Column("previous_total", _("Total, previous month"), MONEY),
        Column("change", _("Change"), MONEY),
    ]


def lines(filters: Filters):
    lines = InvoiceLine.objects.filter(
        Q(invoice__period__in=[filters.period, filters.previous]),
        Q(invoice__run__isnull=True) | ~Q(invoice__run__status__in=[RunStatus.PREVIEW, RunStatus.CANCELLED]),
        filters.premises_q("invoice__account__premises"),
    )
    if filters.service is not None:
        lines = lines.filter(service=filters.service)
    return lines


def rows(filters: Filters) -> list[TariffRow]:
    """One row per service, kind, price and VAT rate billed in the month or the one before
    (two queries: the services' names, the lines' sums)."""
    names = {s.pk: s.name for s in Service.objects.all()}
    units = dict(Unit.choices)
    kinds = dict(LineKind.choices)
    grouped = (
        lines(filters)
        .values("invoice__period", "service_id", "kind", "price", "vat_rate", "unit")
        .annotate(
            invoices=Count("invoice_id", distinct=True),
            quantity=Sum("quantity"),
            amount=Sum("amount"),
            vat=Sum("vat"),
            total=Sum("total"),
        )
        .order_by()
    )
    by_tariff: dict[tuple, TariffRow] = {}
    for g in grouped:
        key = (g["service_id"], g["kind"], g["price"], g["vat_rate"], g["unit"])
        row = by_tariff.get(key)
        if row is None:
            row = by_tariff[key] = TariffRow(
                names.get(g["service_id"], "—"),
                str(kinds.get(g["kind"], g["kind"])),
                g["price"],
                g["vat_rate"],
                str(units.get(g["unit"], g["unit"])),
                0,
                QZERO,
                ZERO,
                ZERO,
                ZERO,
                0,
                QZERO,
                ZERO,
            )
        if g["invoice__period"] == filters.period:
            row.invoices = g["invoices"]
            row.quantity, row.amount, row.vat, row.total = g["quantity"], g["amount"], g["vat"], g["total"]
        else:
            row.previous_invoices = g["invoices"]
            row.previous_quantity, row.previous_total = g["quantity"], g["total"]
    order = list(LineKind.values)

    def position(item):
        (_service, kind, price, _vat, _unit), row = item
        return (row.service == "—", row.service, order.index(kind) if kind in order else len(order), price)

    return [row for _key, row in sorted(by_tariff.items(), key=position)]


def totals(found: list[TariffRow]) -> TariffRow:
    """Invoices are counted once per month, not once per tariff (an invoice has several)."""

    def total(key: str):
        return sum((getattr(r, key) for r in found), ZERO)

    return TariffRow(
        "",
        "",
        None,
        None,
        "",
        None,
        None,
        total("amount"),
        total("vat"),
        total("total"),
        None,
        None,
        total("previous_total"),
    )
