"""Celery application.

With REDIS_URL unset (the embedded demo) tasks run inline in the calling process
(CELERY_TASK_ALWAYS_EAGER), so `make run` needs nothing but Python.
"""

import os

from celery import Celery
from celery.signals import task_failure

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")

app = Celery("kabinet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_failure.connect
def _alert_staff(sender=None, task_id=None, exception=None, **kwargs):
    """A periodic job that raises mails the staff (kabinet/notifications/alerts.py)."""
    from kabinet.notifications.alerts import job_failure_alert

    job_failure_alert(job=getattr(sender, "name", str(sender)), task_id=task_id, exception=exception)
