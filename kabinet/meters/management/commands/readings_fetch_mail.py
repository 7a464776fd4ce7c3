from django.core.management.base import BaseCommand

from kabinet.billing.estimate import charge_estimate
from kabinet.meters.inbound.mailbox import mailbox_fetch


class Command(BaseCommand):
    help = "Read meter readings sent by e-mail (IMAP, READINGS_IMAP_*) and reply to each. Safe to re-run."

    def handle(self, *args, **options):
        result = mailbox_fetch(charge_estimator=charge_estimate)
        self.stdout.write(f"fetched {result.fetched}, processed {result.processed}, unparsed {result.unparsed}")
