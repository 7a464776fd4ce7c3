"""The outbox: every e-mail and SMS is a row written in the same transaction as the
change that caused it, then sent by a background task with retries. If the mail
server is down nothing is lost; in the demo the rows are the readable "sent mail".
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MailKind(models.TextChoices):
    """What a message is about; customers opt in or out per kind."""

    ACCOUNT = "account", _("Account and security")
    INVOICE = "invoice", _("Invoice issued")
    PAYMENT = "payment", _("Payment registered")
    READING_REMINDER = "reading_reminder", _("Reading reminders")
    READING_RECEIPT = "reading_receipt", _("Reading receipts")
    VERIFICATION = "verification", _("Meter verification due")
    OUTAGE = "outage", _("Outages at my address")
    REQUEST = "request", _("Service request updates")
    RECEPTION = "reception", _("Replies to my messages")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    created = models.DateTimeField(_("created"), auto_now_add=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    kind = models.CharField(_("kind"), max_length=30, choices=MailKind.choices)
    to = models.CharField(pgettext_lazy("recipient", "to"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=5, default="lv")
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    # A message queued by message_enqueue_later() keeps its template and a small JSON
    # context until the sender renders it (then subject and bodies are filled in).
    template = models.CharField(max_length=100, blank=True)
    context = models.JSONField(default=dict, blank=True)
    # Links and codes that give access (activation, password reset, e-mail change,
    # invitation) are never stored in the text: subject and bodies hold a placeholder
    # (kabinet.notifications.secrets), these values replace it only in the mail sent, and
    # they are erased once it is sent or given up. Never shown in the back office.
    secret_values = models.JSONField(default=list, blank=True, editable=False)
    # A retried request (double click, webhook redelivery) writes the same key: one message.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_pending_idx", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
