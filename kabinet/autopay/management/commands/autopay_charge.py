from django.core.management.base import BaseCommand

from kabinet.autopay.services import autopay_charge_due, autopay_schedule_recent


class Command(BaseCommand):
    help = "Plan the automatic payments of runs published lately and charge those due (safe to re-run)."

    def handle(self, *args, **options):
        planned = autopay_schedule_recent()
        charged = autopay_charge_due()
        self.stdout.write(f"planned {planned}, charged {charged}")
