from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kabinet.customers"
    verbose_name = _("Customers")

    def ready(self):
        from kabinet.customers import signals  # noqa: F401
