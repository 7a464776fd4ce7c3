"""The printable receipt (квитанция / rēķins): one HTML template for the page and the
PDF (WeasyPrint), with the payment QR code for the utility's currency.

RUB: the content of the Russian single payment document (ЕПД, Decree 354 p.69) and a
GOST R 56042-2014 QR code. EUR: the invoice requisites of the Latvian VAT law (s.125)
and an EPC069-12 QR code with an ISO 11649 RF creditor reference from the account number.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal

import segno
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kabinet.billing.models import Invoice, LineKind, Method
from kabinet.lib.qr import PayloadError, epc_payload, gost_payload, kopecks
from kabinet.lib.reference import rf_reference
from kabinet.utility.models import Unit, UtilityProfile


@dataclass
class LineView:
    kind: str
    name: str
    method: str
    note: str
    quantity: Decimal
    unit: str
    price: Decimal
    amount: Decimal
    vat_rate: Decimal
    vat: Decimal
    total: Decimal


def _unit(code: str) -> str:
    try:
        return str(Unit(code).label)
    except ValueError:
        return code


def line_note(line) -> str:
    """Why the line says what it says: readings, average, norm, correction reason, and
    the days of a part month."""
    note = _line_note(line)
    d = line.details or {}
    if d.get("days_open"):
        part = _("for %(days)s of %(month)s days: from %(first)s to %(last)s") % {
            "days": d["days_open"],
            "month": d.get("days_in_month", ""),
            "first": _date(d.get("open_from")),
            "last": _date(d.get("open_to")),
        }
        note = f"{note}; {part}" if note else part
    return note


def _line_note(line) -> str:
    d = line.details or {}
    if line.kind == LineKind.PENALTY:
        if "days_300" in d:
            parts = []
            if d.get("days_300"):
                parts.append(_("%(days)s days at 1/300 of the key rate") % {"days": d["days_300"]})
            if d.get("days_130"):
                parts.append(_("%(days)s days at 1/130 of the key rate") % {"days": d["days_130"]})
            rates = ", ".join(f"{r}%" for r in d.get("rates", []))
            return _("Invoice %(invoice)s due %(due)s: %(parts)s (key rate %(rates)s)") % {
                "invoice": d.get("invoice", ""),
                "due": _date(d.get("due_on")),
                "parts": "; ".join(parts),
                "rates": rates,
            }
        note = _("Invoice %(invoice)s due %(due)s: %(days)s days at %(percent)s%% a day") % {
            "invoice": d.get("invoice", ""),
            "due": _date(d.get("due_on")),
            "days": d.get("days", 0),
            "percent": d.get("percent", ""),
        }
        if "capped" in d:
            if "cap_percent" in d:
                cap = _("(capped at %(percent)s%% of the principal: %(cap)s)") % {
                    "percent": d["cap_percent"],
                    "cap": d["capped"],
                }
            else:  # invoices billed before the cap was recorded with them
                cap = _("(capped: %(cap)s)") % {"cap": d["capped"]}
            note += " " + cap
        return note
    if line.kind == LineKind.CORRECTION:
        if d.get("reason") == "late_reading":
            note = _(
                "Recalculation for %(period)s: a reading of meter %(serial)s was received "
                "(billed %(billed)s by average, actual %(actual)s)"
            ) % {
                "period": d.get("period", ""),
                "serial": d.get("serial", ""),
                "billed": _volume(d.get("billed")),
                "actual": _volume(d.get("actual")),
            }
            if d.get("follows"):  # sewerage and the like, billed on that meter's volume
                note += "; " + _("this service is billed on that volume")
            return note
        return line.description or _("Correction")
    meters = d.get("meters") or []
    if line.method == Method.METERED:
        return "; ".join(f"№ {m['serial']}: {_volume(m['prev'])} → {_volume(m['cur'])}" for m in meters)
    if line.method == Method.AVERAGE:
        return "; ".join(
            _("№ %(serial)s: no reading, average monthly consumption") % {"serial": m["serial"]} for m in meters
        )
    if line.method in (Method.NORM, Method.NORM_COEFFICIENT):
        note = _("norm %(norm)s × %(residents)s residents") % {
            "norm": _volume(d.get("norm")),
            "residents": d.get("residents"),
        }
        if d.get("coefficient"):
            note += " × " + d["coefficient"]
        return note
    if line.method == Method.PARENT:
        return ""
    if line.method == Method.BUILDING:
        return building_note(d)
    return line.description


def building_note(d: dict) -> str:
    """The building meter difference: the balance it comes from and why this apartment."""
    reasons = {
        "no_readings_3_months": _("no meter readings for 3 months"),
        "no_valid_meter": _("no verified meter"),
        "split_equal": _("shared equally among the apartments"),
        "split_area": _("shared by area"),
        "split_residents": _("shared by residents"),
        "odn_area": _("common use, by area"),
        "odn_capped": _("common use, by area, capped by the norm"),
    }
    note = _(
        "Building meter %(building)s, apartments %(apartments)s, difference %(difference)s; your share %(share)s"
    ) % {
        "building": _volume(d.get("building")),
        "apartments": _volume(d.get("apartments")),
        "difference": _volume(d.get("difference")),
        "share": _volume(d.get("share")),
    }
    reason = reasons.get(d.get("reason", ""))
    return f"{note} ({reason})" if reason else note


def _volume(value) -> str:
    """A volume or reading as it is (no trailing zeros) in the page's number format."""
    if value in (None, ""):
        return ""
    text = f"{Decimal(value):f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    places = len(text.split(".")[1]) if "." in text else 0
    return number_format(Decimal(text), decimal_pos=places)


def _date(value) -> str:
    if not value:
        return ""
    y, m, d = value.split("-")
    return f"{d}.{m}.{y}"


def line_views(invoice: Invoice) -> list[LineView]:
    rows = []
    for line in invoice.lines.all():
        if line.kind == LineKind.PENALTY:
            name = _("Penalty")
        elif line.service_id:
            name = line.service.name
        else:
            name = line.description
        if line.kind == LineKind.CORRECTION:
            name = _("Recalculation: %(name)s") % {"name": name}
        note = line_note(line)
        if line.details.get("days") and line.details.get("from") and line.kind == LineKind.CHARGE:
            note = (note + "; " if note else "") + _("%(first)s–%(last)s at this tariff") % {
                "first": _date(line.details["from"]),
                "last": _date(line.details["to"]),
            }
        rows.append(
            LineView(
                kind=line.kind,
                name=name,
                method=line.get_method_display() if line.method and line.kind == LineKind.CHARGE else "",
                note=note,
                quantity=line.quantity,
                unit=_unit(line.unit),
                price=line.price,
                amount=line.amount,
                vat_rate=line.vat_rate,
                vat=line.vat,
                total=line.total,
            )
        )
    return rows


def qr_payload(invoice: Invoice, profile: UtilityProfile) -> str | None:
    """The payment QR text for the utility's currency, or None without bank details."""
    account = invoice.account
    try:
        if profile.currency == "RUB":
            return gost_payload(
                name=profile.legal_name or profile.name,
                personal_acc=profile.bank_account,
                bank_name=profile.bank_name,
                bic=profile.bic,
                correspondent_acc=profile.correspondent_account,
                sum_kopecks=kopecks(invoice.to_pay),
                optional={
                    "Purpose": _("Payment for utilities, account %(account)s, %(period)s")
                    % {"account": account.number, "period": f"{invoice.period:%m.%Y}"},
                    "PayeeINN": profile.inn,
                    "KPP": profile.kpp,
                    "PersAcc": account.number,
                    "PaymPeriod": f"{invoice.period:%m%Y}",
                    "TechCode": "02",
                },
            )
        return epc_payload(
            name=(profile.legal_name or profile.name)[:70],
            iban=profile.iban,
            bic=profile.bic,
            amount=invoice.to_pay,
            reference=rf_reference(account.number),
        )
    except PayloadError:
        return None


def qr_data_uri(payload: str) -> str:
    qr = segno.make(payload, error="m", micro=False)
    return "data:image/png;base64," + base64.b64encode(_png(qr)).decode()


def _png(qr) -> bytes:
    import io

    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def receipt_context(invoice: Invoice) -> dict:
    profile = UtilityProfile.get()
    payload = qr_payload(invoice, profile)
    lines = line_views(invoice)
    vat_rates: dict[Decimal, list[Decimal]] = {}
    for line in lines:
        rate = vat_rates.setdefault(line.vat_rate, [Decimal("0.00"), Decimal("0.00")])
        rate[0] += line.amount
        rate[1] += line.vat
    readings = []
    for line in invoice.lines.all():
        if line.kind == LineKind.CHARGE and line.method == Method.METERED:
            for m in line.details.get("meters", []):
                row = (line.service.name, m["serial"], _volume(m["prev"]), _volume(m["cur"]), _volume(m["v"]))
                if row not in readings:
                    readings.append(row)
    return {
        "invoice": invoice,
        "readings": readings,
        "account": invoice.account,
        "customer": invoice.account.customer,
        "premises": invoice.account.premises,
        "utility": profile,
        "lines": lines,
        "charges": [line for line in lines if line.kind == LineKind.CHARGE],
        "corrections": [line for line in lines if line.kind == LineKind.CORRECTION],
        "penalties": [line for line in lines if line.kind == LineKind.PENALTY],
        "vat_rates": sorted(vat_rates.items()),
        "qr_payload": payload,
        "qr_image": qr_data_uri(payload) if payload else None,
        "rf_reference": rf_reference(invoice.account.number) if profile.currency == "EUR" else "",
        "is_rub": profile.currency == "RUB",
    }


def receipt_html(invoice: Invoice, *, for_pdf: bool = False) -> str:
    return render_to_string("receipts/receipt.html", {**receipt_context(invoice), "for_pdf": for_pdf})


# --- Many receipts in one document (the paper bundles, kabinet/paper) ---------------------
# A print batch renders the receipts' <main> blocks into one HTML document that carries the
# stylesheet and loads the fonts once. What that saves is measured in bench/bench_paper.py:
# little for this receipt, whose tables' cascade and layout cost far more than the document.


def receipt_fragment(invoice: Invoice) -> str:
    """The receipt's own block (what receipt.html shows between its head and its end),
    for a document that holds many; the caller prefetches the invoice's lines."""
    return render_to_string("receipts/_receipt.html", receipt_context(invoice))


def receipt_stylesheet() -> str:
    """The receipt's CSS, for a document of many receipts to include once."""
    return render_to_string("receipts/receipt.css")


def html_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def receipt_pdf(invoice: Invoice) -> bytes:
    return html_pdf(receipt_html(invoice, for_pdf=True))
