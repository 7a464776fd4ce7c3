from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "kabinet.servicedesk"
    verbose_name = _("Service requests")
