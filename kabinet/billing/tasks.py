from celery import shared_task

from kabinet.billing.services import billing_run_finish, billing_run_work


@shared_task(ignore_result=True, acks_late=True)
def billing_run_chunks(run_id: int) -> None:
    """A worker's share of a run: bill pending chunks until none is left (chunks are
    claimed with SKIP LOCKED, so several workers on several machines split them), then
    close the run if this was the last chunk."""
    billing_run_work(run_id=run_id)


@shared_task(ignore_result=True)
def billing_run_close(run_id: int) -> None:
    billing_run_finish(run_id=run_id)


@shared_task(ignore_result=True)
def billing_on_invoice_day() -> None:
    """Hourly: bill the previous month from the invoice day on (kabinet/billing/schedule.py)."""
    from kabinet.billing.schedule import billing_on_invoice_day as bill

    bill()
