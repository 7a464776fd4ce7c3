from django.core.management.base import BaseCommand

from kabinet.servicedesk.services import photos_sweep_orphans


class Command(BaseCommand):
    help = "Delete request photo files that have no database row (left by a failed upload). Safe to re-run."

    def handle(self, *args, **options):
        removed = photos_sweep_orphans()
        self.stdout.write(f"{removed} orphaned photo files removed")
