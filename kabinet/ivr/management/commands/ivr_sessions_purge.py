from django.core.management.base import BaseCommand

from kabinet.ivr.services import sessions_purge


class Command(BaseCommand):
    help = "Delete answering-machine calls older than IVR_SESSION_HOURS (they hold the caller's number)."

    def handle(self, *args, **options):
        self.stdout.write(f"{sessions_purge()} calls purged")
