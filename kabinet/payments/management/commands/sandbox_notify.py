from django.core.management.base import BaseCommand

from kabinet.payments.providers.sandbox import deliver_due


class Command(BaseCommand):
    help = "Deliver the sandbox provider's delayed notifications that are due."

    def handle(self, *args, **options):
        self.stdout.write(f"{deliver_due()} notifications delivered")
