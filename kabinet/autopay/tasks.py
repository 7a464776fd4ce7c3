"""Celery doors (thin). In the embedded default (no Redis) they run inline."""

from celery import shared_task


@shared_task
def autopay_schedule_run_task(run_id: int) -> int:
    from kabinet.autopay.services import autopay_schedule_run

    return autopay_schedule_run(run_id=run_id)


@shared_task
def autopay_charge_due_task() -> int:
    """Every few minutes (CELERY_BEAT_SCHEDULE): also plans the runs published lately
    whose own task was lost, then charges what is due (`manage.py autopay_charge`)."""
    from kabinet.autopay.services import autopay_charge_due, autopay_schedule_recent

    autopay_schedule_recent()
    return autopay_charge_due()
