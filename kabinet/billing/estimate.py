"""What a quantity of a service will cost at the tariff valid on a date.

Offered to the doors (portal, API, reading channels) so a reading's receipt can show the
charge it will produce; meters sit below billing and cannot ask for it themselves.
"""

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Q

from kabinet.billing.models import Tariff
from kabinet.billing.rating import line_money
from kabinet.utility.models import Service


def tariff_on(*, service: Service, on_date: dt.date) -> Tariff | None:
    return (
        Tariff.objects.filter(service=service, valid_from__lte=on_date)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))
        .order_by("-valid_from")
        .first()
    )


def tariffs_on(*, on_date: dt.date) -> dict[int, Tariff]:
    """Every service's tariff valid on a date, by service id (one query; a handful of rows)."""
    tariffs: dict[int, Tariff] = {}
    valid = (
        Tariff.objects.filter(valid_from__lte=on_date)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))
        .order_by("service_id", "-valid_from")
    )
    for tariff in valid:
        tariffs.setdefault(tariff.service_id, tariff)
    return tariffs


def charge_estimate(*, service: Service, quantity: Decimal, on_date: dt.date) -> Decimal | None:
    """The line's total as an invoice line would have it (rating.line_money(): a net price
    plus VAT, or a gross price × quantity exactly); None when no tariff is valid on that date."""
    return _charge(tariff_on(service=service, on_date=on_date), quantity)


def charge_estimator() -> Callable[..., Decimal | None]:
    """charge_estimate() for one request: the tariffs of a day are read once however many
    receipts it shows, on screen and in the e-mail, and kept in the process for
    TARIFF_CACHE_SECONDS (every reading submission shows an estimate, tariffs change a few
    times a year). A tariff saved in this process clears the cache at once; other workers
    see it within that time, as they see a change of the utility profile."""

    def estimate(*, service: Service, quantity: Decimal, on_date: dt.date) -> Decimal | None:
        return _charge(_tariffs_cached(on_date).get(service.pk), quantity)

    return estimate


TARIFF_CACHE_SECONDS = 30
_tariff_cache: dict[dt.date, tuple[dict[int, Tariff], float]] = {}


def _tariffs_cached(on_date: dt.date) -> dict[int, Tariff]:
    now = time.monotonic()
    hit = _tariff_cache.get(on_date)
    if hit is None or now - hit[1] > TARIFF_CACHE_SECONDS:
        if len(_tariff_cache) > 31:
            _tariff_cache.clear()
        hit = _tariff_cache[on_date] = (tariffs_on(on_date=on_date), now)
    return hit[0]


def tariff_cache_clear(**_signal) -> None:
    _tariff_cache.clear()


def _charge(tariff: Tariff | None, quantity: Decimal) -> Decimal | None:
    if tariff is None:
        return None
    return line_money(Decimal(quantity), tariff.price, tariff.vat_rate, tariff.vat_included)[2]
