"""One row per phone call to the answering machine, while it lasts.

Each webhook of the telephony provider (or each turn of the Asterisk script) reads the
call's row, advances the dialogue (kabinet.ivr.dialogue) and writes the row back: the
server keeps nothing else between two key presses. `step` counts the turns answered, so
a retried webhook of a turn already answered gets the same answer again instead of
submitting twice. The caller's number is personal data: rows are purged a day after the
call (ivr_sessions_purge, nightly).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CallProvider(models.TextChoices):
    TWILIO = "twilio", "Twilio"
    AGI = "agi", "Asterisk AGI"


class CallSession(models.Model):
    provider = models.CharField(_("telephony"), max_length=10, choices=CallProvider.choices)
    # Twilio's CallSid, Asterisk's agi_uniqueid.
    call_id = models.CharField(_("call id"), max_length=64)
    caller_phone = models.CharField(_("caller's number"), max_length=40, blank=True)
    # The dialogue's state (plain JSON) and the last turn said, for a retried webhook.
    state = models.JSONField(_("dialogue state"), default=dict, blank=True)
    last_turn = models.JSONField(_("last turn"), default=dict, blank=True)
    step = models.PositiveIntegerField(_("turns answered"), default=0)
    created = models.DateTimeField(_("started"), default=timezone.now)
    updated = models.DateTimeField(_("last key"), default=timezone.now)

    class Meta:
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")
        constraints = [models.UniqueConstraint(fields=["provider", "call_id"], name="ivr_call_provider_id_unique")]
        indexes = [models.Index(fields=["created"], name="ivr_call_created_idx")]

    def __str__(self) -> str:
        return f"{self.provider} {self.call_id}"
