"""The bot's chats and outbox in the back office, by role."""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from kabinet.telegram.models import OutgoingMessage, OutgoingStatus, TelegramChat
from kabinet.test import role_logins
from kabinet.utility.models import Event

pytestmark = pytest.mark.django_db

CHATS = "admin:telegram_telegramchat_changelist"
OUTBOX = "admin:telegram_outgoingmessage_changelist"


@pytest.fixture
def staff():
    return role_logins(["Operator", "Customer service", "Administrator", "Auditor"])


@pytest.fixture
def alices_chat(personas):
    return TelegramChat.objects.create(chat_id=4242, user=personas.alice, linked_at=timezone.now())


def test_customer_service_finds_a_chat_by_account_and_unlinks_it(staff, alices_chat, client, personas):
    client.force_login(staff["Customer service"])
    page = client.get(reverse(CHATS), {"q": personas.alice_account.number})
    assert page.status_code == 200 and "4242" in page.content.decode()

    response = client.post(reverse(CHATS), {"action": "unlink", ACTION_CHECKBOX_NAME: [alices_chat.pk]})

    assert response.status_code == 302
    alices_chat.refresh_from_db()
    assert alices_chat.user is None and alices_chat.linked_at is None
    assert Event.objects.filter(kind="telegram.unlinked", actor=staff["Customer service"]).count() == 1
    # The chat's dialogue state is never shown (it may hold half-entered readings).
    assert (
        "state"
        not in client.get(reverse("admin:telegram_telegramchat_change", args=[alices_chat.pk]))
        .context["adminform"]
        .form.fields
    )


def test_the_operator_sees_neither_and_the_auditor_cannot_unlink(staff, alices_chat, client):
    client.force_login(staff["Operator"])
    assert client.get(reverse(CHATS)).status_code == 403
    assert client.get(reverse(OUTBOX)).status_code == 403

    client.force_login(staff["Auditor"])
    assert client.get(reverse(CHATS)).status_code == 200
    client.post(reverse(CHATS), {"action": "unlink", ACTION_CHECKBOX_NAME: [alices_chat.pk]})
    alices_chat.refresh_from_db()
    assert alices_chat.user is not None

    client.force_login(staff["Customer service"])
    assert client.get(reverse(OUTBOX)).status_code == 403


def test_an_administrator_sends_failed_messages_again_once(staff, client):
    now = timezone.now()
    failed = OutgoingMessage.objects.create(
        chat_id=1,
        text="x",
        status=OutgoingStatus.FAILED,
        attempts=8,
        last_error="Forbidden: bot was blocked by the user",
        next_attempt_at=now - dt.timedelta(days=1),
    )
    sent = OutgoingMessage.objects.create(
        chat_id=2, text="y", status=OutgoingStatus.SENT, attempts=1, next_attempt_at=now, sent_at=now
    )
    client.force_login(staff["Administrator"])
    assert "bot was blocked" in client.get(reverse(OUTBOX)).content.decode()

    for _ in range(2):  # a double click
        client.post(reverse(OUTBOX), {"action": "send_again", ACTION_CHECKBOX_NAME: [failed.pk, sent.pk]})

    failed.refresh_from_db()
    sent.refresh_from_db()
    # No bot is configured in the tests, so the message waits in the queue for the sender.
    assert (failed.status, failed.attempts, failed.last_error) == (OutgoingStatus.PENDING, 0, "")
    assert sent.status == OutgoingStatus.SENT and sent.attempts == 1
