"""Money arithmetic: Decimal only, two places, ROUND_HALF_UP per line."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value) -> Decimal:
    """Round to cents, half up (1.005 → 1.01), the rule for every invoice line."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_of(amount: Decimal, rate_percent: Decimal) -> Decimal:
    return money(amount * rate_percent / Decimal(100))


def truncate(value: Decimal, places: int) -> Decimal:
    """Drop digits beyond `places` without rounding (Kursk: "the fraction is dropped")."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def whole_cents(amount: Decimal) -> bool:
    """Whether `amount` is a finite number with nothing beyond the cents (12, 12.5,
    12.500), decided from its digits: comparing it with amount.quantize(CENT) raises
    InvalidOperation for a number longer than the context's 28 digits
    (99999999999999999999.99, 1E+400), which a person can type."""
    if not amount.is_finite():
        return False
    _sign, digits, exponent = amount.as_tuple()
    extra = -2 - exponent
    return extra <= 0 or not any(digits[-extra:])
