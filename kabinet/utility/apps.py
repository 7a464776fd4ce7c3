from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UtilityConfig(AppConfig):
    name = "kabinet.utility"
    verbose_name = _("Utility")

    def ready(self) -> None:
        from kabinet.lib.pgtune import widen_statement_cache

        widen_statement_cache()
