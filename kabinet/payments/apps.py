from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "kabinet.payments"
    verbose_name = _("Payments")

    def ready(self):
        from kabinet.payments import checks  # noqa: F401 - registers the deploy check
