from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def qty(value, service=None):
    """A reading or consumption in the page's number format.

    With the meter's service (`{{ value|qty:meter.service }}`) it shows the decimals the
    service keeps (Service.reading_decimals: "564,5" for one, "564" for none), never fewer
    than the value really has, so an older reading kept with more decimals is not rounded
    on screen. Without a service, trailing zeros are dropped.
    """
    if value is None or value == "":
        return "—"
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    normal = value.normalize()
    places = max(0, -normal.as_tuple().exponent)
    decimals = getattr(service, "reading_decimals", service)
    if isinstance(decimals, int):
        places = max(places, decimals)
    return number_format(value, decimal_pos=places)


@register.filter
def reading_status(code: str) -> str:
    """A reading's status code as its translated label ("accepted" → "Accepted")."""
    from kabinet.meters.models import ReadingStatus

    try:
        return ReadingStatus(code).label
    except ValueError:
        return code


@register.filter
def reason_now(reading) -> str:
    """The reading's reason in the page's language where it can be worded again
    (kabinet.meters.rules.reason_now)."""
    from kabinet.meters.rules import reason_now as worded
    from kabinet.utility.models import UtilityProfile

    if not reading.reason_text:
        return ""
    return worded(reading, UtilityProfile.get())
