import datetime as dt

from django.core.management.base import BaseCommand

from kabinet.meters.reminders import reading_reminders_send


class Command(BaseCommand):
    help = "Send reading and verification reminders due today (run daily; each reminder is sent once)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, help="pretend today is this date (YYYY-MM-DD)")

    def handle(self, *args, date=None, **options):
        sent = reading_reminders_send(today=date)
        self.stdout.write(", ".join(f"{k} {v}" for k, v in sent.items()))
