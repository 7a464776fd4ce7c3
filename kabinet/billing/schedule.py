"""The month on a schedule: the billing run of the invoice day.

The beat calls `billing_on_invoice_day` every hour (CELERY_BEAT_SCHEDULE). From the
profile's invoice day on, the previous month is billed unless it already has a run —
started by staff, by `bill_period`, or by an earlier tick. A cancelled run is not started
again: staff cancelled it for a reason and start the next one themselves. Safe to re-run
at any time; the twin command is `manage.py bill_period` for a run by hand."""

import datetime as dt

from django.utils import timezone

from kabinet.billing import services
from kabinet.billing.models import BillingRun, RunStatus
from kabinet.lib.periods import add_months
from kabinet.utility.models import UtilityProfile


def scheduled_period(today: dt.date, invoice_day: int) -> dt.date | None:
    """The period the schedule bills on `today`: the previous month, from the invoice
    day to the month's end (so a server that was down on the day catches up), else none."""
    if today.day < invoice_day:
        return None
    return add_months(today.replace(day=1), -1)


def billing_on_invoice_day(*, today: dt.date | None = None) -> BillingRun | None:
    """Start the due run, and in "publish" mode publish it once it is issued.

    Only runs started without a person (this schedule or the command) are published by
    the schedule: a run staff started from the office waits for them."""
    profile = UtilityProfile.get()
    if profile.scheduled_billing == "off":
        return None
    period = scheduled_period(today or timezone.localdate(), profile.invoice_day)
    if period is None:
        return None
    run = BillingRun.objects.filter(period=period).exclude(status=RunStatus.PREVIEW).order_by("-pk").first()
    if run is None:
        # Inline in the embedded default; with Celery workers the chunks are spread over
        # them and the run is issued when the last one is done (a later tick publishes).
        run = services.billing_run(period=period, actor=None)
    if profile.scheduled_billing == "publish" and run.status == RunStatus.DRAFT and run.actor_id is None:
        run = services.billing_run_publish(run=run, actor=None)
    return run
