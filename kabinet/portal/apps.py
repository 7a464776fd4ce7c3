from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "kabinet.portal"
    verbose_name = _("Customer portal")

    def ready(self):
        from kabinet.portal import errors

        errors.install()
