from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def qty(value):
    """A reading or consumption without trailing zeros, in the page's number format."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    normal = value.normalize()
    places = max(0, -normal.as_tuple().exponent)
    return number_format(value, decimal_pos=places)
