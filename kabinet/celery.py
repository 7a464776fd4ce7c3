"""Celery application.

With REDIS_URL unset (the embedded demo) tasks run inline in the calling process
(CELERY_TASK_ALWAYS_EAGER), so `make run` needs nothing but Python.
"""

import os

from celery import Celery
from celery.signals import before_task_publish, task_failure, task_postrun, task_prerun

from kabinet.observability.request_id import task_headers_add, task_request_id_forget, task_request_id_restore

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")

app = Celery("kabinet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_failure.connect
def _alert_staff(sender=None, task_id=None, exception=None, **kwargs):
    """A periodic job that raises mails the staff (kabinet/notifications/alerts.py)."""
    from kabinet.notifications.alerts import job_failure_alert

    job_failure_alert(job=getattr(sender, "name", str(sender)), task_id=task_id, exception=exception)


# The request id travels with the tasks a request queues, so that a task's log lines name the
# request that caused it (kabinet/observability/request_id.py).
@before_task_publish.connect
def _request_id_send(headers=None, **kwargs):
    task_headers_add(headers)


@task_prerun.connect
def _request_id_restore(task=None, **kwargs):
    task_request_id_restore(task)


@task_postrun.connect
def _request_id_forget(task=None, **kwargs):
    task_request_id_forget(task)
