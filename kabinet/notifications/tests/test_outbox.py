import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from kabinet.notifications.models import MailKind, OutboxMessage, OutboxStatus
from kabinet.notifications.services import MAX_ATTEMPTS, message_enqueue, outbox_send_due


@pytest.fixture
def mail_template(tmp_path, settings):
    folder = tmp_path / "emails" / "hello"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("{% load i18n %}{% translate 'Meters' %} {{ name }}\n")
    (folder / "body.txt").write_text("Hello {{ name }} {{ unsubscribe_url }}")
    (folder / "body.html").write_text("<p>Hello {{ name }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


def enqueue(user=None, kind=MailKind.INVOICE, **kwargs):
    return message_enqueue(
        to="alice@example.com",
        template="hello",
        context={"name": "Alise"},
        kind=kind,
        language="ru",
        user=user,
        **kwargs,
    )


def test_it_renders_in_the_recipients_language_and_sends_after_commit(
    personas, mail_template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(personas.alice)
    assert message.subject == "Счётчики Alise"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Счётчики Alise"
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.sent_at is not None


def test_it_carries_a_one_click_unsubscribe_for_its_kind(personas, mail_template):
    enqueue(personas.alice)
    outbox_send_due()
    sent = mail.outbox[0]
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = sent.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in sent.body
    assert "/unsubscribe/" in link


def test_account_mail_cannot_be_unsubscribed(personas, mail_template):
    message = enqueue(personas.alice, kind=MailKind.ACCOUNT)
    assert message.headers == {}
    assert "http" not in message.body_text


def test_it_keeps_nothing_twice_for_the_same_dedupe_key(personas, mail_template):
    assert enqueue(personas.alice, dedupe_key="k1") is not None
    assert enqueue(personas.alice, dedupe_key="k1") is None
    assert OutboxMessage.objects.count() == 1


def test_a_rolled_back_change_sends_nothing(personas, mail_template):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(personas.alice)
        raise RuntimeError
    assert OutboxMessage.objects.count() == 0


def test_a_mail_server_failure_keeps_the_message_and_retries_with_backoff(
    personas, mail_template, settings, monkeypatch
):
    message = enqueue(personas.alice)

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    now = timezone.now()
    assert outbox_send_due(now=now) == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1 and "smtp down" in message.last_error
    assert message.next_attempt_at > now
    # Not retried before its time, retried after it.
    assert outbox_send_due(now=now) == 0
    monkeypatch.undo()
    assert outbox_send_due(now=now + dt.timedelta(hours=1)) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


def test_it_gives_up_after_the_last_attempt(personas, mail_template, monkeypatch):
    message = enqueue(personas.alice)
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda self, messages: (_ for _ in ()).throw(OSError("down")),
    )
    now = timezone.now()
    for attempt in range(MAX_ATTEMPTS):
        outbox_send_due(now=now + dt.timedelta(days=attempt * 3))
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS
