"""Celery application.

With REDIS_URL unset (the embedded demo) tasks run inline in the calling process
(CELERY_TASK_ALWAYS_EAGER), so `make run` needs nothing but Python.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")

app = Celery("kabinet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
