"""The month on a schedule: beat's entries, the utility's time zone, the cleanups, and the
staff alert when a periodic job fails."""

import datetime as dt
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from kabinet.celery import app
from kabinet.customers.tasks import sessions_clear
from kabinet.meters.models import SubmissionKey
from kabinet.meters.tasks import readings_send_sms, submission_keys_cleanup
from kabinet.notifications.alerts import job_failure_alert
from kabinet.notifications.models import OutboxMessage


def test_the_schedule_runs_in_the_utilitys_time_zone():
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
    assert app.conf.timezone == settings.TIME_ZONE
    reminders = settings.CELERY_BEAT_SCHEDULE["readings-reminders"]["schedule"]
    assert isinstance(reminders, crontab) and reminders.hour == {settings.READING_REMINDERS_HOUR}


def test_every_periodic_job_is_scheduled():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "kabinet.notifications.tasks.send_outbox",
        "kabinet.meters.tasks.readings_apply_queued",
        "kabinet.meters.tasks.readings_reminders",
        "kabinet.meters.tasks.readings_fetch_mail",
        "kabinet.meters.tasks.readings_send_sms",
        "kabinet.payments.tasks.import_statements_task",
        "kabinet.news.tasks.send_outage_notices",
        "kabinet.meters.tasks.submission_keys_cleanup",
        "kabinet.customers.tasks.sessions_clear",
        "kabinet.servicedesk.tasks.photos_sweep",
        "kabinet.billing.tasks.billing_on_invoice_day",
        "kabinet.api.tasks.idempotency_keys_cleanup",
    } <= tasks


@pytest.mark.django_db
def test_it_deletes_old_idempotency_keys_only(personas):
    old = SubmissionKey.objects.create(user=personas.alice, key="old-key-123", fingerprint="x")
    SubmissionKey.objects.filter(pk=old.pk).update(created=timezone.now() - dt.timedelta(days=31))
    SubmissionKey.objects.create(user=personas.alice, key="new-key-123", fingerprint="x")
    call_command("readings_keys_cleanup", stdout=mock.MagicMock())
    assert list(SubmissionKey.objects.values_list("key", flat=True)) == ["new-key-123"]
    submission_keys_cleanup.apply()  # again: nothing left to do
    assert SubmissionKey.objects.count() == 1


@pytest.mark.django_db
def test_it_clears_expired_sessions():
    now = timezone.now()
    Session.objects.create(session_key="expired" + "x" * 25, session_data="", expire_date=now - dt.timedelta(days=1))
    Session.objects.create(session_key="current" + "x" * 25, session_data="", expire_date=now + dt.timedelta(days=1))
    sessions_clear.apply()
    sessions_clear.apply()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" + "x" * 25]


@pytest.mark.django_db
@override_settings(ALERT_EMAILS=["ops@utility.example", "director@utility.example"])
def test_a_failing_periodic_job_mails_the_staff_once_an_hour():
    task = readings_send_sms
    with (
        mock.patch("kabinet.meters.inbound.sms.sms_outbox_send_due", side_effect=RuntimeError("gateway down")),
        mock.patch("kabinet.notifications.services._schedule_send"),
    ):
        for _ in range(3):  # as on a worker: the failure is recorded, not raised
            assert task.apply(throw=False).failed()
    mails = OutboxMessage.objects.filter(to__in=settings.ALERT_EMAILS)
    assert sorted(mails.values_list("to", flat=True)) == ["director@utility.example", "ops@utility.example"]
    mail = mails.first()
    assert "kabinet.meters.tasks.readings_send_sms" in mail.subject
    assert "RuntimeError: gateway down" in mail.body_text
    assert "gateway down" in mail.body_html


@pytest.mark.django_db
def test_the_alert_goes_to_the_superusers_without_alert_emails(personas):
    personas.carol.email = "carol@utility.example"
    personas.carol.save()
    with mock.patch("kabinet.notifications.services._schedule_send"):
        now = timezone.now()
        assert job_failure_alert(job="kabinet.meters.tasks.readings_send_sms", task_id="t1", exception=ValueError())
        # The next hour mails again.
        with mock.patch("django.utils.timezone.now", return_value=now + dt.timedelta(hours=1)):
            assert job_failure_alert(job="kabinet.meters.tasks.readings_send_sms", task_id="t2", exception=ValueError())
    assert OutboxMessage.objects.filter(to="carol@utility.example").count() == 2


@pytest.mark.django_db
@override_settings(ALERT_EMAILS=["ops@utility.example"])
def test_a_task_outside_the_schedule_does_not_alert():
    assert job_failure_alert(job="kabinet.billing.tasks.billing_run_chunks", task_id="t", exception=ValueError()) == 0
    assert not OutboxMessage.objects.exists()


@override_settings(ALERT_EMAILS=["ops@utility.example"])
def test_the_alert_never_raises_when_the_database_is_down(caplog):
    # No django_db mark: every query fails, as when the database is what broke the job.
    assert job_failure_alert(job="kabinet.meters.tasks.readings_send_sms", task_id="t", exception=ValueError()) == 0
    assert "could not queue the alert" in caplog.text
