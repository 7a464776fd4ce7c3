"""Periodic work for service requests; the twin command is servicedesk_sweep_photos."""

from celery import shared_task


@shared_task(ignore_result=True)
def photos_sweep() -> int:
    from kabinet.servicedesk.services import photos_sweep_orphans

    return photos_sweep_orphans()
