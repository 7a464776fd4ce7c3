from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IvrConfig(AppConfig):
    name = "kabinet.ivr"
    verbose_name = _("Readings by phone (answering machine)")
