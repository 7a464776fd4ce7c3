import datetime as dt

from django.core.management.base import BaseCommand

from kabinet.meters.photos import UNLINKED_RETENTION, reading_photos_purge_unlinked


class Command(BaseCommand):
    help = "Delete photos of meters that no reading took within --days (default 30), with their files. Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=UNLINKED_RETENTION.days)

    def handle(self, *args, days: int, **options):
        deleted = reading_photos_purge_unlinked(older_than=dt.timedelta(days=days))
        self.stdout.write(f"{deleted} meter photos without a reading, older than {days} days, deleted")
