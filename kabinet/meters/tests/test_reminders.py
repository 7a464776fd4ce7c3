import datetime as dt
from decimal import Decimal

from django.core.management import call_command

from kabinet.customers.models import MailPreference
from kabinet.meters.models import Reading
from kabinet.meters.reminders import reading_reminders_send
from kabinet.notifications.models import OutboxMessage


def test_it_reminds_when_the_window_opens_once(personas):
    sent = reading_reminders_send(today=dt.date(2026, 11, 27))
    assert sent["window_open"] == 2  # alice and bob
    assert reading_reminders_send(today=dt.date(2026, 11, 27))["window_open"] == 0  # re-run: nothing new
    mail = OutboxMessage.objects.get(to="alice@example.com")
    assert "/readings/" in mail.body_text


def test_it_reminds_the_day_before_the_window_closes_only_those_without_a_reading(ru_personas):
    Reading.objects.create(
        meter=ru_personas.bob_cold, period=dt.date(2026, 11, 1), value=Decimal(1), source="portal", status="accepted"
    )
    sent = reading_reminders_send(today=dt.date(2026, 11, 24))  # the Russian window: 23rd–25th
    assert sent["window_closes"] == 1
    assert OutboxMessage.objects.get().to == "alice@example.com"


def test_it_respects_the_choice_of_no_reminders(personas):
    MailPreference.objects.create(user=personas.alice, kind="reading_reminder", enabled=False)
    reading_reminders_send(today=dt.date(2026, 11, 27))
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["bob@example.com"]


def test_it_warns_about_verification_due_within_30_days(personas):
    personas.alice_hot.verification_due = dt.date(2026, 12, 10)
    personas.alice_hot.save()
    call_command("readings_reminders", "--date", "2026-11-20")
    mail = OutboxMessage.objects.get(kind="verification")
    assert mail.to == "alice@example.com" and "HW-1001" in mail.subject
    call_command("readings_reminders", "--date", "2026-11-21")
    assert OutboxMessage.objects.filter(kind="verification").count() == 1
