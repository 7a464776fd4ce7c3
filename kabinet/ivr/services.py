"""The answering machine's services: start a call, answer one turn of it, and purge the
calls of yesterday. Both telephony doors (Twilio's webhooks, Asterisk's AGI script) call
these two functions and render the Turn they return their own way.

Readings go through kabinet.meters.submission.reading_submit(), the door of every
channel, with source "ivr": the window, the precision, lower-than-previous, expired
verification and the e-mail receipt to the account's logins are the same as on the
portal, and the caller hears the same receipt: accepted, saved for the window, or
refused with the door's own reason in the caller's language.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kabinet.billing.estimate import charge_estimator
from kabinet.customers.models import Account
from kabinet.ivr import dialogue
from kabinet.ivr.dialogue import AccountFound, Turn
from kabinet.ivr.models import CallSession
from kabinet.ivr.speech import spoken_value
from kabinet.meters import rules
from kabinet.meters.models import Meter, ReadingSource, ReadingStatus
from kabinet.meters.receipts import receipt_context
from kabinet.meters.rules import plain, reading_period_for
from kabinet.meters.selectors import meters_for_readings_form
from kabinet.meters.submission import reading_submit
from kabinet.utility.models import UtilityProfile
from kabinet.utility.translated import utility_languages

WRONG_WINDOW_SECONDS = 3600


def ivr_enabled(provider: str) -> bool:
    return settings.IVR_PROVIDER == provider


# --- a call ----------------------------------------------------------------------------------


def call_start(*, provider: str, call_id: str, caller: str = "") -> tuple[int, Turn]:
    """A call comes in: its first turn, and the step its answer must name. A retried
    first webhook gets the first turn again (or the call's last turn, if it went on)."""
    session = CallSession.objects.filter(provider=provider, call_id=call_id).first()
    if session is None:
        turn = dialogue.start(languages=utility_languages())
        try:
            with transaction.atomic():
                session = CallSession.objects.create(
                    provider=provider,
                    call_id=call_id[:64],
                    caller_phone=caller[:40],
                    state=turn.state,
                    last_turn=turn.as_json(),
                    step=1,
                    language=turn.state.get("lang", ""),
                )
                return session.step, turn
        except IntegrityError:  # the same webhook twice at once: the other one made it
            session = CallSession.objects.get(provider=provider, call_id=call_id)
    return session.step, Turn.from_json(session.state, session.last_turn)


@transaction.atomic
def call_step(*, provider: str, call_id: str, step: int, digits: str | None) -> tuple[int, Turn]:
    """The caller answered turn `step` with `digits` (None: silence). Returns the next
    turn and its step. A turn already answered (the provider retried a webhook whose
    answer it did not get) gets the answer it had, and nothing is submitted again."""
    session = CallSession.objects.select_for_update().filter(provider=provider, call_id=call_id).first()
    if session is None:  # purged, or never started here: nothing to go on
        with translation.override(utility_languages()[0]):
            return 0, Turn({}, [dialogue.Prompt(_("Thank you for calling. Goodbye."), "goodbye")], hangup=True)
    if step != session.step:
        return session.step, Turn.from_json(session.state, session.last_turn)
    backend = CallBackend(caller=session.caller_phone)
    turn = dialogue.advance(session.state, digits, backend=backend)
    session.state = turn.state
    session.last_turn = turn.as_json()
    session.step += 1
    session.updated = timezone.now()
    session.language = turn.state.get("lang", "")[:5]
    session.account_number = turn.state.get("account", "")[:20]
    session.ended = turn.state.get("ended", "")
    session.save(update_fields=["state", "last_turn", "step", "updated", "language", "account_number", "ended"])
    if backend.readings:
        session.readings.add(*backend.readings)
    return session.step, turn


def sessions_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the calls older than IVR_SESSION_HOURS (they hold the caller's number).
    Safe to re-run; returns how many went."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.IVR_SESSION_HOURS)
    return CallSession.objects.filter(created__lt=cutoff).delete()[0]


# --- what the dialogue asks of the database -------------------------------------------------------


class CallBackend(dialogue.Backend):
    def __init__(self, *, caller: str):
        digest = hashlib.sha256(caller.encode()).hexdigest()[:32] if caller else ""
        self.wrong_key = f"ivr:wrong:{digest}" if digest else ""
        self.readings: list[int] = []  # submitted during this turn, for the call's row

    def caller_blocked(self) -> bool:
        if not self.wrong_key:
            return False
        return (cache.get(self.wrong_key) or 0) >= settings.IVR_WRONG_ACCOUNTS_PER_HOUR

    def _count_wrong(self) -> None:
        if not self.wrong_key:
            return
        if cache.add(self.wrong_key, 1, WRONG_WINDOW_SECONDS):
            return
        try:
            cache.incr(self.wrong_key)
        except ValueError:  # expired in between
            cache.set(self.wrong_key, 1, WRONG_WINDOW_SECONDS)

    def account(self, number: str) -> AccountFound | None:
        account = Account.objects.filter(number=number, closed_on__isnull=True).first()
        if account is None:
            self._count_wrong()
            return None
        profile = UtilityProfile.get()
        today = timezone.localdate()
        # A utility that refuses readings after the window says so before asking for them
        # (the portal shows no form then either): the door's own words.
        refusal = rules.after_window_refusal(today, profile)
        if refusal is not None:
            return AccountFound([], refusal.text)
        period, _open = reading_period_for(today, profile)
        meters = []
        for meter in meters_for_readings_form(account.premises_id, period):
            previous = meter.last_value if meter.last_value is not None else meter.initial_reading
            meters.append(
                {
                    "id": meter.pk,
                    "service": meter.service.name,
                    "location": meter.location,
                    "previous": plain(previous) if previous is not None else "",
                }
            )
        return AccountFound(meters)

    def submit(self, meter_id: int, value: str) -> str:
        meter = Meter.objects.select_related("service").filter(pk=meter_id).first()
        if meter is None:  # deleted since the call began
            return _("The reading was not accepted.")
        reading = reading_submit(
            meter=meter, value=value, source=ReadingSource.IVR, charge_estimator=charge_estimator()
        )
        if reading.pk:
            self.readings.append(reading.pk)
        reading.meter = meter
        return receipt_speech(reading)


def receipt_speech(reading) -> str:
    """The receipt of a reading as the caller hears it: what the portal and the e-mail
    say (status, the door's reason, the value used), in sentences."""
    value = spoken_value(plain(reading.value))
    if reading.status == ReadingStatus.REJECTED:
        return " ".join([_("The reading was not accepted."), reading.reason_text]).strip()
    parts = []
    if reading.status == ReadingStatus.QUEUED:
        parts.append(_("The reading %(value)s is saved.") % {"value": value})
        parts.append(reading.reason_text)
    else:
        parts.append(_("The reading %(value)s is accepted.") % {"value": value})
    if receipt_context(reading)["value_changed"]:
        parts.append(
            _("You entered %(entered)s; %(used)s is used.")
            % {"entered": spoken_value(reading.entered_value), "used": value}
        )
    if reading.status == ReadingStatus.ACCEPTED and reading.consumption is not None:
        parts.append(_("Consumption: %(consumption)s.") % {"consumption": spoken_value(plain(reading.consumption))})
    return " ".join(p for p in parts if p)
