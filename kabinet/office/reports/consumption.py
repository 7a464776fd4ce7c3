"""Consumption by building: what the month's invoices charged per building and service,
from the apartments' lines (metered, or estimated by average or norm).

The comparison with a building meter is left out until building meters exist: then this
report grows a column, "the building meter read", beside the apartments' sum.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import InvoiceLine, LineKind, Method, RunStatus
from kabinet.customers.models import Building
from kabinet.office.reports.columns import INT, MONEY, QTY, TEXT, Column
from kabinet.office.reports.filters import Filters
from kabinet.utility.models import Service, Unit

QZERO = Decimal("0.0000")
ZERO = Decimal("0.00")
ESTIMATED = (Method.AVERAGE, Method.NORM, Method.NORM_COEFFICIENT)


@dataclass
class BuildingUse:
    building: str
    service: str
    unit: str
    accounts: int
    metered: Decimal
    estimated: Decimal  # by average or norm
    other: Decimal  # by area, residents, fixed, the volume of other services
    quantity: Decimal
    total: Decimal  # with VAT


def columns() -> list[Column]:
    return [
        Column("building", _("Building"), TEXT),
        Column("service", _("Service"), TEXT),
        Column("unit", _("Unit"), TEXT),
        Column("accounts", _("Accounts"), INT),
        Column("metered", _("By meter readings"), QTY),
        Column("estimated", _("By average or norm"), QTY),
        Column("other", _("Otherwise"), QTY),
        Column("quantity", _("Quantity"), QTY),
        Column("total", _("Charged"), MONEY),
    ]


def rows(filters: Filters) -> list[BuildingUse]:
    """One row per building, service and unit (three queries: services, buildings, sums)."""
    lines = InvoiceLine.objects.filter(
        Q(invoice__period=filters.period, kind=LineKind.CHARGE),
        Q(invoice__run__isnull=True) | ~Q(invoice__run__status__in=[RunStatus.PREVIEW, RunStatus.CANCELLED]),
        filters.premises_q("invoice__account__premises"),
    )
    if filters.service is not None:
        lines = lines.filter(service=filters.service)
    grouped = list(
        lines.values("invoice__account__premises__building_id", "service_id", "unit")
        .annotate(
            accounts=Count("invoice__account_id", distinct=True),
            metered=Sum("quantity", filter=Q(method=Method.METERED)),
            estimated=Sum("quantity", filter=Q(method__in=ESTIMATED)),
            quantity=Sum("quantity"),
            total=Sum("total"),
        )
        .order_by()
    )
    names = {s.pk: s.name for s in Service.objects.all()}
    order = {s.pk: (s.sort_order, s.code) for s in Service.objects.all()}
    ids = {g["invoice__account__premises__building_id"] for g in grouped}
    buildings = {b.pk: b for b in Building.objects.filter(pk__in=ids)}
    units = dict(Unit.choices)
    out = []
    for g in grouped:
        building = buildings[g["invoice__account__premises__building_id"]]
        metered, estimated = g["metered"] or QZERO, g["estimated"] or QZERO
        out.append(
            (
                (building.street, building.house, building.city, order.get(g["service_id"], (0, ""))),
                BuildingUse(
                    str(building),
                    names.get(g["service_id"], "—"),
                    str(units.get(g["unit"], g["unit"])),
                    g["accounts"],
                    metered,
                    estimated,
                    g["quantity"] - metered - estimated,
                    g["quantity"],
                    g["total"],
                ),
            )
        )
    out.sort(key=lambda item: item[0])
    return [row for _key, row in out]


def totals(found: list[BuildingUse]) -> BuildingUse:
    """Money adds up across services; quantities only within one unit, so they are
    totalled only when every row has the same unit."""
    same_unit = len({r.unit for r in found}) == 1

    def qty(key: str):
        return sum((getattr(r, key) for r in found), QZERO) if same_unit else None

    return BuildingUse(
        "",
        "",
        found[0].unit if same_unit else "",
        None,  # an account billed for two services is one account: its rows do not add up
        qty("metered"),
        qty("estimated"),
        qty("other"),
        qty("quantity"),
        sum((r.total for r in found), ZERO),
    )
