"""What a quantity of a service will cost at the tariff valid on a date.

Offered to the doors (portal, API, reading channels) so a reading's receipt can show the
charge it will produce; meters sit below billing and cannot ask for it themselves.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Q

from kabinet.billing.models import Tariff
from kabinet.lib.money import money, vat_of
from kabinet.utility.models import Service


def tariff_on(*, service: Service, on_date: dt.date) -> Tariff | None:
    return (
        Tariff.objects.filter(service=service, valid_from__lte=on_date)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))
        .order_by("-valid_from")
        .first()
    )


def charge_estimate(*, service: Service, quantity: Decimal, on_date: dt.date) -> Decimal | None:
    """price × quantity, rounded per line, plus VAT rounded per line, as an invoice line
    would be; None when no tariff is valid on that date."""
    tariff = tariff_on(service=service, on_date=on_date)
    if tariff is None:
        return None
    amount = money(Decimal(quantity) * tariff.price)
    return amount + vat_of(amount, tariff.vat_rate)
