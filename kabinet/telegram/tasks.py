from celery import shared_task

from kabinet.telegram.services import telegram_outbox_send_due


@shared_task(name="kabinet.telegram.tasks.telegram_send_outbox")
def telegram_send_outbox() -> int:
    return telegram_outbox_send_due()
