from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetersConfig(AppConfig):
    name = "kabinet.meters"
    verbose_name = _("Meters and readings")

    def ready(self) -> None:
        from kabinet.meters.receipts import receipt_mail_context
        from kabinet.notifications.services import deferred_context_register

        # Reading receipts are rendered by the outbox sender, not in the busy request.
        deferred_context_register("reading_receipt", receipt_mail_context)
