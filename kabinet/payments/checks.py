"""`manage.py check --deploy`: the sandbox provider credits accounts without money moving."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def sandbox_provider_check(app_configs, **kwargs):
    if settings.PAYMENT_PROVIDER != "sandbox":
        return []
    return [
        Warning(
            "The sandbox payment provider is active: customers can credit their accounts without paying.",
            hint="Set PAYMENT_PROVIDER=yookassa (or leave it empty: bank transfer only) on a real server.",
            id="kabinet.payments.W001",
        )
    ]
