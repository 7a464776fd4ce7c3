from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "kabinet.billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from kabinet.billing.estimate import tariff_cache_clear
        from kabinet.billing.models import Tariff

        # A tariff saved or deleted in this process shows on the next receipt.
        post_save.connect(tariff_cache_clear, sender=Tariff, dispatch_uid="tariff_cache_save")
        post_delete.connect(tariff_cache_clear, sender=Tariff, dispatch_uid="tariff_cache_delete")
