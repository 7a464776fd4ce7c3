"""Celery doors (thin) for logins."""

from celery import shared_task
from django.core.management import call_command


@shared_task(ignore_result=True)
def sessions_clear() -> None:
    """Delete expired sessions (Django's `clearsessions`, safe to re-run)."""
    call_command("clearsessions")
