import time

from django.core.management.base import BaseCommand

from kabinet.notifications.services import outbox_send_due


class Command(BaseCommand):
    help = "Send due messages from the outbox (retries failed ones with backoff). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running, every 10 seconds")

    def handle(self, *args, loop: bool = False, **options):
        while True:
            sent = outbox_send_due()
            self.stdout.write(f"sent {sent}")
            if not loop:
                break
            time.sleep(10)
