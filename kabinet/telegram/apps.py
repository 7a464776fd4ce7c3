from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramConfig(AppConfig):
    name = "kabinet.telegram"
    verbose_name = _("Telegram bot")

    def ready(self) -> None:
        from kabinet.meters.reminders import reminder_channel_register
        from kabinet.telegram.services import telegram_reminder_send

        # meters is below this app: it offers the hook, the bot plugs its channel in.
        reminder_channel_register(telegram_reminder_send)
