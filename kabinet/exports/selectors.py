"""The rows of the ГИС ЖКХ templates for a period, each template's sheets in its columns'
order (gis.py), read with a fixed number of queries whatever the number of accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from kabinet.billing.models import Invoice, InvoiceStatus, LineKind, Method
from kabinet.customers.models import Account, CustomerKind
from kabinet.exports import gis
from kabinet.lib.periods import month_end
from kabinet.meters.models import Meter, Reading, ReadingStatus
from kabinet.payments.models import Payment, PaymentStatus
from kabinet.utility.models import Unit, UtilityProfile

# How a line's volume was determined, as the payment document's section 3 names it.
VOLUME_METHOD = {
    Method.METERED: "Прибор учета",
    Method.AVERAGE: "Среднемесячный объем",
    Method.NORM: "Норматив",
    Method.NORM_COEFFICIENT: "Норматив с повышающим коэффициентом",
}
UNIT_RU = {Unit.M3: "м³", Unit.KWH: "кВт·ч", Unit.GCAL: "Гкал", Unit.M2: "м²", Unit.PERSON: "чел.", Unit.MONTH: "мес."}


def _open_in(period: dt.date) -> Q:
    """Accounts open on some day of the month."""
    return Q(opened_on__lte=month_end(period)) & (Q(closed_on__isnull=True) | Q(closed_on__gte=period))


def _flat(premises) -> str:
    return premises.apartment or ""


def _house(premises) -> str:
    b = premises.building
    return f"{b.city}, {b.street}, д. {b.house}"


def _address(premises) -> str:
    flat = f", кв. {premises.apartment}" if premises.apartment else ""
    return _house(premises) + flat


def account_rows(period: dt.date) -> dict[str, list[list]]:
    accounts = (
        Account.objects.filter(_open_in(period)).select_related("customer", "premises__building").order_by("number")
    )
    main, rooms = [], []
    for n, account in enumerate(accounts, start=1):
        c, p = account.customer, account.premises
        person = c.kind != CustomerKind.ORGANISATION
        main.append(
            [
                n,
                account.number,
                gis.ACCOUNT_TYPE_RSO,
                c.last_name if person else None,
                c.first_name if person else None,
                None,  # the patronymic is not kept apart from the first name
                None if person else c.organisation_name,
                None if person else (c.registration_number or None),
                p.area,
                p.residents,
                None,  # ЕЛС: assigned by ГИС ЖКХ
                None,  # ЖКУ identifier: assigned by ГИС ЖКХ
            ]
        )
        rooms.append([n, _house(p), None, _flat(p) or None, 100])
    return {"Основные сведения": main, "Помещения": rooms}


def _accounts_by_premises(premises_ids, period: dt.date) -> dict[int, Account]:
    accounts = Account.objects.filter(_open_in(period), premises_id__in=premises_ids).order_by("opened_on")
    return {a.premises_id: a for a in accounts}  # the latest opened of the month wins


def meter_rows(period: dt.date) -> dict[str, list[list]]:
    meters = list(
        Meter.objects.filter(installed_on__lte=month_end(period))
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gte=period))
        .select_related("premises__building", "service")
        .order_by("premises__building__street", "premises__building__house", "premises__apartment", "serial_number")
    )
    accounts = _accounts_by_premises({m.premises_id for m in meters}, period)
    rows = []
    for meter in meters:
        account = accounts.get(meter.premises_id)
        if account is None:
            continue  # a meter of premises without a contract that month: nobody to bill
        rows.append(
            [
                len(rows) + 1,
                meter.serial_number,
                gis.METER_KIND_INDIVIDUAL,
                meter.model or None,
                account.number,
                _address(meter.premises),
                _flat(meter.premises) or None,
                meter.service.name_ru,
                UNIT_RU.get(meter.service.unit, meter.service.unit),
                meter.installed_on,
                meter.installed_on,
                meter.verified_on,
                meter.service.verification_interval_years,
                meter.initial_reading,
                None,  # assigned by ГИС ЖКХ
            ]
        )
    return {"Сведения о ПУ": rows}


def reading_rows(period: dt.date) -> dict[str, list[list]]:
    """Readings customers and staff gave for the period; estimates are not readings."""
    readings = list(
        Reading.objects.filter(period=period, status=ReadingStatus.ACCEPTED)
        .select_related("meter__service")
        .order_by("meter__serial_number", "taken_at")
    )
    accounts = _accounts_by_premises({r.meter.premises_id for r in readings}, period)
    rows = []
    for reading in readings:
        account = accounts.get(reading.meter.premises_id)
        if account is None:
            continue
        rows.append(
            [
                len(rows) + 1,
                reading.meter.serial_number,
                None,
                account.number,
                reading.meter.service.name_ru,
                reading.value,
                timezone.localtime(reading.taken_at).date(),
            ]
        )
    return {"Показания ИПУ": rows}


def payment_document_rows(period: dt.date) -> dict[str, list[list]]:
    profile = UtilityProfile.get()
    invoices = (
        Invoice.objects.filter(period=period, status=InvoiceStatus.ISSUED)
        .select_related("account__premises")
        .prefetch_related("lines__service")
        .order_by("number")
    )
    sections_1_2, sections_3_6, penalties = [], [], []
    for n, invoice in enumerate(invoices, start=1):
        premises = invoice.account.premises
        sections_1_2.append(
            [
                n,
                invoice.account.number,
                gis.DOCUMENT_TYPE_CURRENT,
                invoice.number,
                f"{period:%m.%Y}",
                premises.area,
                premises.residents,
                invoice.previous_balance,
                invoice.payments_received,
                invoice.total,
                invoice.amount_due,
                profile.bic,
                profile.bank_account,
                None,
            ]
        )
        for line in invoice.lines.all():
            if line.kind == LineKind.PENALTY:
                basis = (line.details or {}).get("invoice") or None
                penalties.append([invoice.number, gis.PENALTY_KIND, basis, line.total])
                continue
            name = line.service.name_ru if line.service_id else line.description
            correction = line.kind == LineKind.CORRECTION
            sections_3_6.append(
                [
                    invoice.number,
                    name,
                    None if correction else VOLUME_METHOD.get(line.method, "Иное"),
                    None if correction else line.quantity,
                    None if correction else UNIT_RU.get(line.unit, line.unit or None),
                    None if correction else line.price,
                    Decimal("0.00") if correction else line.total,
                    line.total if correction else Decimal("0.00"),
                    line.total,
                ]
            )
    return {"Разделы 1-2": sections_1_2, "Разделы 3-6": sections_3_6, "Неустойки": penalties}


def payment_rows(period: dt.date) -> dict[str, list[list]]:
    """Payments received in the month and assigned to an account (reversed, split and
    someone else's payments are not payments for the utility's services)."""
    payments = (
        Payment.objects.filter(
            paid_on__gte=period,
            paid_on__lte=month_end(period),
            status=PaymentStatus.REGISTERED,
            account__isnull=False,
        )
        .select_related("account", "invoice")
        .order_by("paid_on", "id")
    )
    rows = []
    for n, payment in enumerate(payments, start=1):
        invoice = payment.invoice
        rows.append(
            [
                n,
                payment.account.number,
                invoice.number if invoice else None,
                None,
                payment.amount,
                payment.paid_on,
                f"{invoice.period:%m.%Y}" if invoice else None,
                payment.end_to_end_id or payment.external_id or f"KABINET-{payment.pk}",
            ]
        )
    return {"Извещения": rows}


ROWS = {
    gis.ACCOUNTS.slug: account_rows,
    gis.METERS.slug: meter_rows,
    gis.READINGS.slug: reading_rows,
    gis.PAYMENT_DOCUMENTS.slug: payment_document_rows,
    gis.PAYMENTS.slug: payment_rows,
}


def gis_workbook(slug: str, period: dt.date) -> bytes:
    template = gis.BY_SLUG[slug]
    return gis.workbook(template, ROWS[slug](period))
