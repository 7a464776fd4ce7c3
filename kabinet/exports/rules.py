"""Pure rules of the UBL invoice: which VAT category a line falls in, how a line's
quantity and price are shown, the VAT breakdown per rate and the invoice's totals.
Plain values in, plain values out: tested without a database."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# UN/ECE Recommendation 20 codes for the units the utility bills in; C62 is "one".
UNIT_CODES = {"m3": "MTQ", "kwh": "KWH", "gcal": "A53", "m2": "MTK", "person": "C62", "month": "MON"}


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_category(rate: Decimal) -> str:
    """UNCL5305: S for a standard or reduced rate, Z for a 0 % line (penalties and
    corrections billed without VAT). Z rather than E or O: those need an exemption reason
    and O may not share an invoice with other categories (BR-O-11..14)."""
    return "S" if rate > 0 else "Z"


def unit_code(unit: str) -> str:
    return UNIT_CODES.get(unit, "C62")


@dataclass(frozen=True)
class UblLine:
    quantity: Decimal
    price: Decimal  # never negative (BR-27): a credit is a negative quantity
    amount: Decimal


def line_quantity_price(quantity: Decimal, price: Decimal, amount: Decimal) -> UblLine:
    """The line as quantity × price = amount (PEPPOL-EN16931-R120). A line whose own
    quantity and price do not give its amount (a correction, a penalty, a part month
    at two tariffs) becomes one unit at its amount, or minus one for a credit."""
    amount = money(amount)
    if quantity and price >= 0 and money(quantity * price) == amount:
        return UblLine(quantity, price, amount)
    return UblLine(Decimal(1) if amount >= 0 else Decimal(-1), abs(amount), amount)


@dataclass(frozen=True)
class VatBreakdown:
    category: str
    rate: Decimal
    taxable: Decimal
    tax: Decimal


def vat_breakdown(lines: list[tuple[Decimal, Decimal, Decimal]]) -> list[VatBreakdown]:
    """(rate, amount without VAT, VAT) per line -> one row per category and rate
    (BR-S-08, BR-Z-08). The tax is the sum of the lines' rounded VAT: the invoice the
    customer sees adds its VAT line by line, and EN 16931 allows the breakdown to differ
    from taxable × rate by rounding (BR-CO-17's tolerance)."""
    rows: dict[tuple[str, Decimal], list[Decimal]] = {}
    for rate, amount, vat in lines:
        key = (vat_category(rate), Decimal(rate).quantize(CENT))
        row = rows.setdefault(key, [ZERO, ZERO])
        row[0] += money(amount)
        row[1] += money(vat)
    return [VatBreakdown(cat, rate, taxable, tax) for (cat, rate), (taxable, tax) in sorted(rows.items())]


@dataclass(frozen=True)
class Totals:
    line_extension: Decimal  # BT-106
    tax_exclusive: Decimal  # BT-109
    tax: Decimal  # BT-110
    tax_inclusive: Decimal  # BT-112
    payable: Decimal  # BT-115


def totals(breakdown: list[VatBreakdown]) -> Totals:
    """No document-level allowances or charges and nothing prepaid: the period's
    charges are what the e-invoice asks for (the previous debt is a note, as it is
    another invoice's)."""
    net = sum((row.taxable for row in breakdown), ZERO)
    tax = sum((row.tax for row in breakdown), ZERO)
    return Totals(net, net, tax, net + tax, net + tax)
