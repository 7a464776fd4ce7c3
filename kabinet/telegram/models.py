"""The Telegram bot's state: which chat belongs to which login, the one-time codes that
link them, the updates already handled (Telegram retries a webhook it thinks failed) and
the messages waiting to be sent (an outbox, as for e-mail and SMS: nothing is lost if the
Bot API is down)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TelegramChat(models.Model):
    """A private chat with the bot. `user` is empty until the customer links it with a
    code from the portal; an unlinked chat only ever gets the help text."""

    chat_id = models.BigIntegerField(_("chat id"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="telegram_chats",
        verbose_name=_("login"),
    )
    language = models.CharField(_("language"), max_length=5, blank=True)
    linked_at = models.DateTimeField(_("linked"), null=True, blank=True)
    # The dialogue's state (kabinet.telegram.dialogue): plain JSON, no model instances.
    state = models.JSONField(_("dialogue state"), default=dict, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Telegram chat")
        verbose_name_plural = _("Telegram chats")

    def __str__(self) -> str:
        return f"{self.chat_id}"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


class LinkCode(models.Model):
    """A one-time code the portal shows; only its hash is kept, like a password."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram link code")
        verbose_name_plural = _("Telegram link codes")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created:%Y-%m-%d %H:%M}"


class ProcessedUpdate(models.Model):
    """An update_id already handled: a retried webhook delivery is answered and ignored."""

    update_id = models.BigIntegerField(primary_key=True)
    received = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.update_id)


class OutgoingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutgoingMessage(models.Model):
    """A message or a document for a chat, written in the transaction that caused it and
    sent after the commit (kabinet.telegram.services.telegram_outbox_send_due)."""

    chat_id = models.BigIntegerField()
    text = models.TextField(blank=True)
    document = models.BinaryField(null=True, blank=True)
    document_name = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=OutgoingStatus.choices, default=OutgoingStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # A reminder is sent once, however often the reminder job runs.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.chat_id} {self.status}"
