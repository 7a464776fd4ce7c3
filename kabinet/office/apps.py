from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    default = True
    name = "kabinet.office"
    verbose_name = _("Back office")


class OfficeAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by the back office's own site (roles, second factor)."""

    default = False
    default_site = "kabinet.office.sites.OfficeSite"
