from django.core.management.base import BaseCommand

from kabinet.meters.inbound.sms import sms_outbox_send_due


class Command(BaseCommand):
    help = "Send pending SMS replies from the outbox through SMS_PROVIDER. Safe to re-run."

    def handle(self, *args, **options):
        self.stdout.write(f"sent {sms_outbox_send_due()}")
