from celery import shared_task

from kabinet.news.services import outages_notify_pending


@shared_task(ignore_result=True)
def send_outage_notices() -> int:
    return outages_notify_pending()
