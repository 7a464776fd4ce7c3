from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from kabinet.telegram.client import bot_client
from kabinet.telegram.services import bot_enabled, webhook_path_secret


class Command(BaseCommand):
    help = "Register the bot's webhook (SITE_URL + /telegram/webhook/...) with Telegram. Safe to re-run."

    def handle(self, *args, **options):
        if not bot_enabled():
            raise CommandError("Set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first.")
        url = settings.SITE_URL + reverse("telegram:webhook", args=[webhook_path_secret()])
        bot_client().set_webhook(url=url, secret=settings.TELEGRAM_WEBHOOK_SECRET)
        self.stdout.write(f"Webhook set: {settings.SITE_URL}/telegram/webhook/…")
