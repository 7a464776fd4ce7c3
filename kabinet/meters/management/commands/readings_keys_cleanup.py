import datetime as dt

from django.core.management.base import BaseCommand

from kabinet.meters.idempotency import KEY_RETENTION, submission_keys_delete_old


class Command(BaseCommand):
    help = "Delete reading submissions' idempotency keys older than --days (default 30). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=KEY_RETENTION.days)

    def handle(self, *args, days: int, **options):
        deleted = submission_keys_delete_old(older_than=dt.timedelta(days=days))
        self.stdout.write(f"{deleted} idempotency keys older than {days} days deleted")
