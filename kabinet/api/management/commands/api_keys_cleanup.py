import datetime as dt

from django.core.management.base import BaseCommand

from kabinet.api.idempotency import KEY_RETENTION, idempotency_keys_delete_old


class Command(BaseCommand):
    help = "Delete the API's idempotency keys older than --days (default 30). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=KEY_RETENTION.days)

    def handle(self, *args, days: int, **options):
        deleted = idempotency_keys_delete_old(older_than=dt.timedelta(days=days))
        self.stdout.write(f"{deleted} API idempotency keys older than {days} days deleted")
