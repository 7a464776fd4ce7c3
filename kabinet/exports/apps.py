from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "kabinet.exports"
    verbose_name = _("State exports and e-invoices")
