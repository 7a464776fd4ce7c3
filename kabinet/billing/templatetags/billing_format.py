from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def price(value) -> str:
    """A tariff's price with the decimals it has, at least two, in the page's number
    format: 1,20 and 0,12345 rather than 1,20000 (prices are stored with five)."""
    if value is None or value == "":
        return ""
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    places = max(2, -value.normalize().as_tuple().exponent)
    return number_format(value, decimal_pos=places)


@register.filter
def money_abs(value) -> str:
    """An amount without its sign, with two decimals in the page's number format (a
    payment in the "Paid" column, an overpayment as a credit)."""
    if value is None or value == "":
        return ""
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return number_format(abs(value), decimal_pos=2)


@register.filter
def billing_label(code: str) -> str:
    """A line's method or kind code ("metered", "penalty") as staff read it."""
    from kabinet.billing.summary_display import method_label

    return method_label(code)
