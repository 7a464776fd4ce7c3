"""The inspector's rules, as pure functions over plain values (tested without a database).

ПП 354 п. 82-85: the utility checks a meter's readings and condition at least once a year.
When the control reading differs from what the customer reported, the volume is
recalculated from the control reading; a broken seal or a damaged meter puts the meter out
of service from the day of the check (the volume is then charged by the norm, п. 81(12) and
59; billing does that once staff record the meter's state: here the check is flagged so
staff see it).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings

BILLING_OFF = "off"
BILLING_NEXT_INVOICE = "next_invoice"


def tolerance() -> Decimal:
    """settings.INSPECTION_TOLERANCE in the meter's units (a bad value is 0: flag every difference)."""
    try:
        value = Decimal(str(settings.INSPECTION_TOLERANCE))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return value if value.is_finite() and value >= 0 else Decimal(0)


def billing_uses_control_readings() -> bool:
    return settings.INSPECTION_CONTROL_READING_BILLING == BILLING_NEXT_INVOICE


@dataclass(frozen=True)
class Verdict:
    flagged: bool
    difference: Decimal | None  # control minus the customer's, when both are known
    reasons: tuple[str, ...]  # "difference", "seal", "damaged", "unreadable"


def check_verdict(
    *,
    value: Decimal | None,
    customer_value: Decimal | None,
    tolerance: Decimal,
    seal_intact: bool,
    damaged: bool,
) -> Verdict:
    """Whether a control check goes to staff, and why. A difference exactly at the
    tolerance is within it."""
    reasons = []
    difference = None
    if value is not None and customer_value is not None:
        difference = value - customer_value
        if abs(difference) > tolerance:
            reasons.append("difference")
    if not seal_intact:
        reasons.append("seal")
    if damaged:
        reasons.append("damaged")
    if value is None:
        reasons.append("unreadable")
    return Verdict(flagged=bool(reasons), difference=difference, reasons=tuple(reasons))
