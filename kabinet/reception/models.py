"""The virtual reception: questions, complaints, suggestions and questions to the director.

Anyone may write (without login the sender gives a name and e-mail); a logged-in
customer's messages are tied to their login and shown as a thread in the portal. Staff
answer in the back office; each staff reply is e-mailed to the sender.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_TEXT = 5000


class MessageKind(models.TextChoices):
    QUESTION = "question", _("Question")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    DIRECTOR = "director", _("Question to the director")


class MessageStatus(models.TextChoices):
    NEW = "new", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


# new → answered (a staff reply), answered → new (the customer writes again), any open → closed.
TRANSITIONS = {
    MessageStatus.NEW: frozenset({MessageStatus.ANSWERED, MessageStatus.CLOSED}),
    MessageStatus.ANSWERED: frozenset({MessageStatus.NEW, MessageStatus.ANSWERED, MessageStatus.CLOSED}),
    MessageStatus.CLOSED: frozenset(),
}


class Message(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices, default=MessageKind.QUESTION)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("message"), max_length=MAX_TEXT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reception_messages",
        verbose_name=_("login"),
    )
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.NEW, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_reception_messages",
        verbose_name=_("assigned to"),
        limit_choices_to={"is_staff": True},
    )
    created = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # The form's one-time key: a double click or a resent form sends one message, not two.
    submit_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("reception message")
        verbose_name_plural = _("reception inbox")
        ordering = ["-created", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="reception_message_not_empty")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> str:
        return f"{self.pk:06d}" if self.pk else ""


class Reply(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    from_staff = models.BooleanField(_("from the utility"), default=False)
    text = models.TextField(_("text"), max_length=MAX_TEXT)
    created = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.text[:40]}"
