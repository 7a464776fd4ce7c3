import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from kabinet.notifications.models import MailKind, OutboxMessage, OutboxStatus
from kabinet.notifications.services import MAX_ATTEMPTS, message_enqueue, message_enqueue_later, outbox_send_due


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


@pytest.fixture
def hello_later(mail_template, monkeypatch):
    """The "hello" template rendered by the sender from {"id": …} (as a reading receipt is)."""
    from kabinet.notifications import services

    monkeypatch.setitem(services._deferred_contexts, "hello", lambda data: {"name": f"Alise #{data['id']}"})


def test_a_message_queued_for_later_is_rendered_by_the_sender_in_its_language(personas, hello_later):
    message = message_enqueue_later(
        to="alice@example.com",
        template="hello",
        data={"id": 7},
        kind=MailKind.INVOICE,
        language="ru",
        user=personas.alice,
        dedupe_key="later-7",
    )
    message.refresh_from_db()
    assert (message.subject, message.body_text, message.headers) == ("", "", {})
    assert (
        message_enqueue_later(
            to="alice@example.com",
            template="hello",
            data={"id": 7},
            kind=MailKind.INVOICE,
            language="ru",
            dedupe_key="later-7",
        )
        is None
    )
    assert outbox_send_due() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.subject == "Счётчики Alise #7"  # rendered in the message's language, kept on the row
    assert mail.outbox[0].subject == "Счётчики Alise #7"
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    assert link in mail.outbox[0].body and "/unsubscribe/" in link


def test_a_message_that_cannot_be_rendered_yet_is_kept_and_retried(personas, hello_later, monkeypatch):
    from kabinet.notifications import services

    message = message_enqueue_later(
        to="alice@example.com", template="hello", data={"id": 8}, kind=MailKind.INVOICE, language="en"
    )
    monkeypatch.setitem(services._deferred_contexts, "hello", lambda data: {}[data["missing"]])
    assert outbox_send_due() == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1 and message.body_text == ""
    monkeypatch.setitem(services._deferred_contexts, "hello", lambda data: {"name": "Alise"})
    assert outbox_send_due(now=timezone.now() + dt.timedelta(hours=1)) == 1
    assert mail.outbox[0].body.startswith("Hello Alise")


def test_a_template_without_a_registered_context_is_refused_when_queued(personas):
    with pytest.raises(LookupError):
        message_enqueue_later(to="alice@example.com", template="nope", data={}, kind=MailKind.INVOICE, language="en")


def test_a_busy_process_schedules_one_sender_run_a_second_not_one_per_message(
    personas, mail_template, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import current_app

    from kabinet.notifications import services

    settings.CELERY_TASK_ALWAYS_EAGER = False  # a real broker, as in production
    runs = []
    monkeypatch.setattr(current_app, "send_task", lambda name, **kwargs: runs.append((name, kwargs)))
    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(services, "_send_scheduled_until", 0.0)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            enqueue(personas.alice)
    # One run, late enough to find all three messages committed.
    assert runs == [(services.SEND_OUTBOX_TASK, {"countdown": services.SEND_BATCH_SECONDS})]
    clock[0] += services.SEND_BATCH_SECONDS
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(personas.alice)
    assert len(runs) == 2
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 4


def test_a_message_queued_for_later_only_if_a_condition_holds_checks_it_and_its_key_in_the_insert(
    personas, hello_later
):
    from kabinet.customers.models import MailPreference
    from kabinet.customers.selectors import mail_wanted_sql

    def later(key, kind=MailKind.READING_RECEIPT):
        return message_enqueue_later(
            to="alice@example.com",
            template="hello",
            data={"id": 9},
            kind=kind,
            language="en",
            user=personas.alice,
            dedupe_key=key,
            only_if=mail_wanted_sql(user_id=personas.alice.pk, kind=kind),
        )

    with transaction.atomic():
        message = later("if-1")
        assert later("if-1") is None  # the same key again: skipped, the transaction goes on
        MailPreference.objects.create(user=personas.alice, kind=MailKind.READING_RECEIPT, enabled=False)
        assert later("if-2") is None  # turned off
        MailPreference.objects.create(user=personas.alice, kind=MailKind.INVOICE, enabled=True)
        assert later("if-3", kind=MailKind.INVOICE) is not None  # an explicit yes
    assert list(OutboxMessage.objects.order_by("id").values_list("dedupe_key", flat=True)) == ["if-1", "if-3"]
    message.refresh_from_db()
    assert (message.user_id, message.context, message.status) == (personas.alice.pk, {"id": 9}, OutboxStatus.PENDING)
    assert outbox_send_due() == 2
