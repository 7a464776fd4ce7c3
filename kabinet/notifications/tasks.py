from celery import shared_task

from kabinet.notifications.services import outbox_send_due


@shared_task(ignore_result=True)
def send_outbox() -> int:
    return outbox_send_due()
