from django.core.management.base import BaseCommand

from kabinet.privacy.services import data_exports_purge


class Command(BaseCommand):
    help = "Delete data exports (and their ZIP files) whose seven days have passed. Safe to re-run."

    def handle(self, *args, **options):
        self.stdout.write(f"{data_exports_purge()} expired export(s) deleted")
