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
