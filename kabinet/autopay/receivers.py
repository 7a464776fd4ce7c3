"""Signal receivers: thin, they hand over to a service or a task."""

import logging

from celery import current_app
from django.conf import settings
from django.db import transaction

from kabinet.billing.models import RunStatus

log = logging.getLogger(__name__)

# The scheduling task, by name: a task imports its service, never the reverse.
SCHEDULE_RUN_TASK = "kabinet.autopay.tasks.autopay_schedule_run_task"


def online_settled(sender, *, online, remote, **kwargs) -> None:
    from kabinet.autopay.services import online_settled as follow

    follow(online=online, remote=remote)


def run_saved(sender, instance, update_fields=None, **kwargs) -> None:
    """A billing run was published: plan its automatic payments once it is committed."""
    if instance.status != RunStatus.PUBLISHED or (update_fields is not None and "status" not in update_fields):
        return
    run_id = instance.pk

    def schedule() -> None:
        try:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                from kabinet.autopay.services import autopay_schedule_run

                autopay_schedule_run(run_id=run_id)  # the embedded default: inline
            else:
                current_app.send_task(SCHEDULE_RUN_TASK, args=[run_id])
        except Exception:  # never fail the publication; the periodic run plans it too
            log.exception("could not plan the automatic payments of run %s", run_id)

    transaction.on_commit(schedule)
