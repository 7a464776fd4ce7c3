"""A periodic job that fails tells the staff: one e-mail per job per hour, through the outbox.

Connected to Celery's task_failure signal in kabinet/celery.py. Only the jobs of
CELERY_BEAT_SCHEDULE alert: a task started by a request (a billing run's chunk) reports to
whoever started it. The recipients are ALERT_EMAILS, or else the active superusers' e-mail
addresses. The outbox's dedupe key (job, hour, recipient) keeps it to one e-mail per job
per hour whatever the number of workers.
"""

import hashlib
import logging
import socket

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from kabinet.lib.job_failures import job_failure_count
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue
from kabinet.utility.models import UtilityProfile

log = logging.getLogger(__name__)


def periodic_jobs() -> set[str]:
    return {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def alert_recipients() -> list[str]:
    if settings.ALERT_EMAILS:
        return list(settings.ALERT_EMAILS)
    users = get_user_model().objects.filter(is_active=True, is_superuser=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def job_failure_alert(*, job: str, task_id: str | None, exception: BaseException | None) -> int:
    """Log the failure and queue the staff e-mail unless this hour's is already queued.
    Returns how many e-mails were queued. Never raises: the database may be what failed."""
    if job not in periodic_jobs():
        return 0
    log.error("periodic job %s (task %s) failed: %r", job, task_id, exception)
    job_failure_count(job)  # kabinet_periodic_job_failures_total, for an alert rule
    try:
        now = timezone.now()
        profile = UtilityProfile.get()
        language = (profile.language_codes or [settings.LANGUAGE_CODE])[0]
        context = {
            "job": job,
            "task_id": task_id or "",
            "at": timezone.localtime(now),
            "host": socket.gethostname(),
            "error": f"{type(exception).__name__}: {exception}"[:2000],
            "utility": profile,
        }
        queued = 0
        for to in alert_recipients():
            recipient = hashlib.sha256(to.lower().encode()).hexdigest()[:16]
            message = message_enqueue(
                to=to,
                template="job_failed",
                context=context,
                kind=MailKind.ACCOUNT,  # staff mail: no unsubscribe link
                language=language,
                dedupe_key=f"job-failed:{job}:{now:%Y%m%d%H}:{recipient}",
            )
            queued += message is not None
        return queued
    except Exception:
        log.exception("could not queue the alert for the failed job %s", job)
        return 0
