from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutopayConfig(AppConfig):
    name = "kabinet.autopay"
    verbose_name = _("Automatic payment")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kabinet.autopay import receivers
        from kabinet.billing.models import BillingRun
        from kabinet.payments.signals import online_payment_settled

        # billing and payments sit below this app: they send, it listens.
        online_payment_settled.connect(receivers.online_settled, dispatch_uid="autopay_online_settled")
        post_save.connect(receivers.run_saved, sender=BillingRun, dispatch_uid="autopay_run_published")
