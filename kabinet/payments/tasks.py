"""Celery doors (thin): the watched folder and the sandbox's delayed notifications."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def import_statements_task() -> None:
    call_command("import_statements")


@shared_task
def sandbox_notify_task() -> None:
    from kabinet.payments.providers.sandbox import deliver_due

    deliver_due()
