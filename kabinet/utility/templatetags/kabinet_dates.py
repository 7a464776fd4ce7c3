"""Months and days in words in the page's (or the e-mail's) language: kabinet.lib.dates.

{% load kabinet_dates %}
{% blocktranslate with for_month=period|for_month days=first|day_range:last %}
  Meter readings {{ for_month }} are accepted {{ days }}.{% endblocktranslate %}
"""

from django import template
from django.utils.translation import get_language

from kabinet.lib import dates

register = template.Library()


@register.filter
def for_month(period):
    return dates.for_month(period, get_language()) if period else ""


@register.filter
def month_year(period):
    return dates.month_year(period, get_language()) if period else ""


@register.filter
def on_day(day):
    return dates.on_day(day, get_language()) if day else ""


@register.filter
def until_day(day):
    return dates.until_day(day, get_language()) if day else ""


@register.filter
def day_range(first, last):
    return dates.day_range(first, last, get_language()) if first and last else ""


@register.simple_tag
def reading_window_days(utility) -> str:
    """The utility's reading window in every month: "from the 27th to the end of each month"."""
    return dates.monthly_days(utility.reading_window_first_day, utility.reading_window_last_day or None, get_language())
