from django.core.management.base import BaseCommand

from kabinet.news.services import outages_notify_pending


class Command(BaseCommand):
    help = "E-mail affected customers about published outages not yet announced. Safe to re-run."

    def handle(self, *args, **options):
        queued = outages_notify_pending()
        self.stdout.write(f"{queued} outage e-mails queued")
