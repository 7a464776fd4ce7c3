"""Reads for the utility's pages: what is published and the parts generated from the data."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from kabinet.billing.models import Tariff
from kabinet.pages.models import Document, DocumentKind, Page, PageKind
from kabinet.utility.models import UtilityProfile

PRICE_PLACES = Decimal("0.00001")  # a tariff's own precision (Tariff.price has five places)
HUNDRED = Decimal(100)


def pages_published(today: dt.date | None = None):
    return Page.objects.published(today).order_by("sort_order", "id")


def page_published(slug: str, today: dt.date | None = None) -> Page | None:
    return Page.objects.published(today).filter(slug=slug).first()


def documents_published(kinds: list[str], today: dt.date | None = None) -> list[Document]:
    return list(Document.objects.published(today).filter(kind__in=kinds).order_by("-publish_from", "-id")[:200])


# Which documents a page of each kind lists.
PAGE_DOCUMENTS = {
    PageKind.WATER_QUALITY: [DocumentKind.WATER_QUALITY],
    PageKind.DOCUMENTS: [DocumentKind.CONTRACT, DocumentKind.OTHER],
}


def tariff_prices(price: Decimal, vat_rate: Decimal, vat_included: bool) -> tuple[Decimal, Decimal]:
    """(price without VAT, price with VAT) per unit, to the tariff's five places. The
    published one is the tariff itself; the other is derived as a line is (kabinet.billing
    .rating.line_money): a net price plus rate %, or a gross price less its rate/(100+rate)."""
    if vat_included:
        return (price * HUNDRED / (HUNDRED + vat_rate)).quantize(PRICE_PLACES, ROUND_HALF_UP), price
    return price, (price * (HUNDRED + vat_rate) / HUNDRED).quantize(PRICE_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class TariffRow:
    service: str
    unit: str
    net: Decimal
    vat_rate: Decimal
    gross: Decimal
    vat_included: bool
    valid_from: dt.date


def tariffs_in_force(today: dt.date | None = None) -> list[TariffRow]:
    """The tariff of each active service valid today, in the services' order."""
    today = today or timezone.localdate()
    tariffs = (
        Tariff.objects.filter(valid_from__lte=today, service__active=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("service")
        .order_by("service__sort_order", "service_id", "-valid_from")
    )
    rows, seen = [], set()
    for tariff in tariffs[:500]:
        if tariff.service_id in seen:
            continue  # overlapping rows: the latest start wins, as in billing
        seen.add(tariff.service_id)
        net, gross = tariff_prices(tariff.price, tariff.vat_rate, tariff.vat_included)
        rows.append(
            TariffRow(
                service=tariff.service.name,
                unit=tariff.service.get_unit_display(),
                net=net,
                vat_rate=tariff.vat_rate,
                gross=gross,
                vat_included=tariff.vat_included,
                valid_from=tariff.valid_from,
            )
        )
    return rows


def readings_channels(profile: UtilityProfile | None = None) -> dict:
    """How readings reach the utility, from the profile: the window, e-mail, SMS, phone, and
    the Telegram bot when one is configured (kabinet.telegram: TELEGRAM_BOT_NAME)."""
    profile = profile or UtilityProfile.get()
    return {
        "first_day": profile.reading_window_first_day,
        "last_day": profile.reading_window_last_day,  # 0: the month's last day
        "email": profile.readings_email,
        "sms": profile.readings_sms_number,
        "phone": profile.phone_readings or profile.phone_reception,
        # getattr: the setting belongs to kabinet.telegram, which a deployment may leave out.
        "bot": getattr(settings, "TELEGRAM_BOT_NAME", "").lstrip("@"),
    }
