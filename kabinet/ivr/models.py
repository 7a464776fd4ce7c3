"""One row per phone call to the answering machine, while it lasts.

Each webhook of the telephony provider (or each turn of the Asterisk script) reads the
call's row, advances the dialogue (kabinet.ivr.dialogue) and writes the row back: the
server keeps nothing else between two key presses. `step` counts the turns answered, so
a retried webhook of a turn already answered gets the same answer again instead of
submitting twice. The caller's number is personal data: rows are purged a day after the
call (ivr_sessions_purge, nightly). Meanwhile the back office lists the calls (who called,
which account, the readings given, how the call ended) for the hotline and the meter
engineer who are asked "I called and it did not take my reading".
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CallProvider(models.TextChoices):
    TWILIO = "twilio", "Twilio"
    AGI = "agi", "Asterisk AGI"


class CallEnded(models.TextChoices):
    # The values are kabinet.ivr.dialogue's ENDED_*; "" while the call goes on (or the
    # caller hung up: the provider's status callback is not asked for).
    DONE = "done", _("all meters answered")
    ACCOUNT_UNKNOWN = "account_unknown", _("account not found")
    BLOCKED = "blocked", _("too many wrong account numbers")
    SILENCE = "silence", _("no keys pressed")
    NOT_TAKEN = "not_taken", _("readings not taken now")


class CallSession(models.Model):
    provider = models.CharField(_("telephony"), max_length=10, choices=CallProvider.choices)
    # Twilio's CallSid, Asterisk's agi_uniqueid.
    call_id = models.CharField(_("call id"), max_length=64)
    caller_phone = models.CharField(_("caller's number"), max_length=40, blank=True)
    # The dialogue's state (plain JSON) and the last turn said, for a retried webhook.
    state = models.JSONField(_("dialogue state"), default=dict, blank=True)
    last_turn = models.JSONField(_("last turn"), default=dict, blank=True)
    step = models.PositiveIntegerField(_("turns answered"), default=0)
    # Copied from the dialogue's state for the back office's list.
    language = models.CharField(_("language"), max_length=5, blank=True)
    account_number = models.CharField(_("account keyed"), max_length=20, blank=True)
    ended = models.CharField(_("ended"), max_length=20, choices=CallEnded.choices, blank=True)
    readings = models.ManyToManyField("meters.Reading", blank=True, related_name="+", verbose_name=_("readings given"))
    created = models.DateTimeField(_("started"), default=timezone.now)
    updated = models.DateTimeField(_("last key"), default=timezone.now)

    class Meta:
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")
        constraints = [models.UniqueConstraint(fields=["provider", "call_id"], name="ivr_call_provider_id_unique")]
        indexes = [models.Index(fields=["created"], name="ivr_call_created_idx")]

    def __str__(self) -> str:
        return f"{self.provider} {self.call_id}"
