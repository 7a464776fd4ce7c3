from django.core.management.base import BaseCommand

from kabinet.billing.estimate import charge_estimate
from kabinet.meters.submission import readings_apply_queued


class Command(BaseCommand):
    help = "Apply readings saved before the window once it is open. Safe to re-run."

    def handle(self, *args, **options):
        self.stdout.write(f"applied {readings_apply_queued(charge_estimator=charge_estimate)}")
