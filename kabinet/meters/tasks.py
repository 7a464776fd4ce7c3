"""Periodic work for readings; each task is a thin door onto a service and has a
management command twin that can be run by hand (readings_*).

The schedule is CELERY_BEAT_SCHEDULE in kabinet/settings.py.
"""

from celery import shared_task


@shared_task(ignore_result=True)
def readings_fetch_mail() -> int:
    from kabinet.billing.estimate import charge_estimate
    from kabinet.meters.inbound.mailbox import mailbox_fetch

    return mailbox_fetch(charge_estimator=charge_estimate).fetched


@shared_task(ignore_result=True)
def readings_send_sms() -> int:
    from kabinet.meters.inbound.sms import sms_outbox_send_due

    return sms_outbox_send_due()


@shared_task(ignore_result=True)
def readings_apply_queued() -> int:
    from kabinet.billing.estimate import charge_estimate
    from kabinet.meters.submission import readings_apply_queued as apply

    return apply(charge_estimator=charge_estimate)


@shared_task(ignore_result=True)
def readings_reminders() -> dict:
    from kabinet.meters.reminders import reading_reminders_send

    return reading_reminders_send()


@shared_task(ignore_result=True)
def submission_keys_cleanup() -> int:
    from kabinet.meters.idempotency import submission_keys_delete_old

    return submission_keys_delete_old()


@shared_task(ignore_result=True)
def reading_photos_purge() -> int:
    from kabinet.meters.photos import reading_photos_purge_unlinked

    return reading_photos_purge_unlinked()
