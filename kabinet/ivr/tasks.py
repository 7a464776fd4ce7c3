from celery import shared_task

from kabinet.ivr.services import sessions_purge


@shared_task(name="kabinet.ivr.tasks.ivr_sessions_purge")
def ivr_sessions_purge() -> int:
    return sessions_purge()
