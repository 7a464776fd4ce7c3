from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    name = "kabinet.inspection"
    verbose_name = _("Inspector's rounds")
