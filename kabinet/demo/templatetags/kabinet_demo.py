"""The demo logins on the login page (settings.DEMO): constants, no database query beyond
the utility profile every page already reads (cached per process)."""

from django import template

from kabinet.demo import constants as c
from kabinet.demo.selectors import demo_preset
from kabinet.utility.models import UtilityProfile

register = template.Library()


@register.simple_tag
def demo_logins() -> dict:
    preset = demo_preset(UtilityProfile.get())
    accounts = c.ALICE_ACCOUNTS[preset]
    return {
        "customer_login": c.customer_login(preset, c.ALICE_EMAIL, accounts),
        "customer_email": c.ALICE_EMAIL,
        "customer_password": c.CUSTOMER_PASSWORD,
        "account_login": preset == "ru",
        "staff_login": c.SUPERUSER,
        "staff_password": c.STAFF_PASSWORD,
        "inspector_login": c.INSPECTOR,
    }
