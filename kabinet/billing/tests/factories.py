"""Helpers for billing tests: tariffs, readings and runs in one line each."""

import datetime as dt
from decimal import Decimal

from kabinet.billing.models import Norm, Subscription, Tariff
from kabinet.billing.services import billing_run, billing_run_publish
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.utility.models import Basis, Service, Unit

D = Decimal


def tariff(service, price, *, vat=None, start=dt.date(2020, 1, 1), end=None) -> Tariff:
    return Tariff.objects.create(
        service=service,
        price=D(price),
        vat_rate=service.vat_rate if vat is None else D(vat),
        valid_from=start,
        valid_to=end,
    )


def norm(service, per_resident, start=dt.date(2020, 1, 1)) -> Norm:
    return Norm.objects.create(service=service, per_resident=D(per_resident), valid_from=start)


def sewerage(services: dict, account=None) -> Service:
    service = Service.objects.create(
        code="sewerage",
        name_lv="Kanalizācija",
        name_ru="Водоотведение",
        name_en="Sewerage",
        unit=Unit.M3,
        basis=Basis.METERED,
        vat_rate=services["cold_water"].vat_rate,
        sort_order=3,
    )
    service.volume_of.set([services["cold_water"], services["hot_water"]])
    if account is not None:
        subscribe(account, service)
    return service


def subscribe(account, service, start=dt.date(2020, 1, 1)) -> Subscription:
    return Subscription.objects.create(account=account, service=service, valid_from=start)


def reading(meter, period: dt.date, value, *, status=ReadingStatus.ACCEPTED) -> Reading:
    return Reading.objects.create(
        meter=meter, period=period, value=D(value), entered_value=str(value), source=ReadingSource.STAFF, status=status
    )


def readings(meter, start: dt.date, values) -> None:
    from kabinet.lib.periods import add_months

    for n, value in enumerate(values):
        if value is not None:
            reading(meter, add_months(start, n), value)


def bill_and_publish(period: dt.date, actor=None, **kwargs):
    run = billing_run(period=period, actor=actor, **kwargs)
    return billing_run_publish(run=run, actor=actor)


def lines_of(invoice):
    """(service code or kind, method, quantity, price, amount, vat, total) per line."""
    return [
        (
            line.service.code if line.service_id else line.kind,
            line.kind if line.kind != "charge" else line.method,
            line.quantity.normalize(),
            line.price.normalize(),
            line.amount,
            line.vat,
            line.total,
        )
        for line in invoice.lines.select_related("service").order_by("id")
    ]
