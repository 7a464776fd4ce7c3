"""The answering machine's dialogue as a pure state machine, whatever the telephony.

    start(languages=...)                       -> the first Turn of a call
    advance(state, digits, backend=...)        -> the next Turn, after the caller keyed
                                                  `digits` (None: nothing came in time)

A Turn is what to say (Prompts), whether to listen for keys afterwards, and whether to
hang up; the state is plain JSON kept on the call's row (kabinet.ivr.models.CallSession).
Twilio's TwiML and Asterisk's AGI are two renderers of the same Turns
(kabinet.ivr.twilio, kabinet.ivr.agi). What needs the database (find the account, submit
a reading) is asked of `backend` (kabinet.ivr.services.CallBackend); the values keyed are
not judged here beyond "digits and at most one point": the readings door
(kabinet.meters.submission) decides them with the same rules as every channel.

The call, in the caller's language:
  1. the language (1 Russian, 2 Latvian, 3 English, of those the utility speaks; a
     one-language utility skips it; no answer keeps the utility's first language);
  2. the account number and # (three wrong numbers and the call ends; see ACCOUNT_TRIES);
  3. for each active meter of the account: its service and previous reading, the value
     keyed with * as the decimal point and # at the end (just # skips the meter), read
     back to be confirmed with 1 or keyed again with 2, then submitted and its receipt said;
  4. goodbye.
Silence: the question is asked once more, then the call ends.
"""

from dataclasses import asdict, dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from kabinet.ivr.speech import spoken_digits, spoken_value

LANGUAGE = "language"
ACCOUNT = "account"
VALUE = "value"
CONFIRM = "confirm"
DONE = "done"

# How a call ended (state["ended"]), for the back office's list of calls.
ENDED_DONE = "done"  # every meter answered or skipped
ENDED_ACCOUNT_UNKNOWN = "account_unknown"
ENDED_BLOCKED = "blocked"  # too many wrong account numbers from this number
ENDED_SILENCE = "silence"
ENDED_NOT_TAKEN = "not_taken"  # no readings now (after the window) or no meters to read

# The key of each language in the language menu, the same in every deployment (recorded
# prompts "For Latvian, press 2" stay true); only the utility's languages are offered.
LANGUAGE_KEYS = {"ru": "1", "lv": "2", "en": "3"}
# Wrong account numbers in one call before it ends. The caller's number is also limited
# across calls (kabinet.ivr.services.IVR_WRONG_ACCOUNTS_PER_HOUR).
ACCOUNT_TRIES = 3
# Questions left unanswered in a row before the call ends: asked once more, then goodbye.
SILENCES = 2
MAX_VALUE_KEYS = 13  # 9 digits, a point, 3 decimals


@dataclass(frozen=True)
class Prompt:
    text: str
    # A fixed sentence has a key: a recorded file may be played instead of speech
    # synthesis (IVR_PROMPTS_URL, IVR_AGI_SOUNDS). Sentences with figures have none.
    key: str = ""
    language: str = ""


@dataclass
class Turn:
    state: dict
    prompts: list[Prompt] = field(default_factory=list)
    listen: bool = False  # wait for keys after the prompts
    hangup: bool = False

    def as_json(self) -> dict:
        return {"prompts": [asdict(p) for p in self.prompts], "listen": self.listen, "hangup": self.hangup}

    @classmethod
    def from_json(cls, state: dict, data: dict) -> "Turn":
        prompts = [Prompt(**p) for p in data.get("prompts", [])]
        return cls(state, prompts, bool(data.get("listen")), bool(data.get("hangup")))


@dataclass(frozen=True)
class AccountFound:
    """What the backend found for an account number: its active meters, in the form's
    order, as [{"id", "service", "location", "previous"}] ("previous" a plain number as
    text, or ""), and the door's refusal when readings are not taken now (a utility that
    refuses readings after the window), to be said instead of asking."""

    meters: list[dict]
    closed: str = ""


class Backend:
    """What the dialogue asks of the database (kabinet.ivr.services.CallBackend)."""

    def caller_blocked(self) -> bool:
        """Whether this caller's number has keyed too many wrong account numbers lately."""
        raise NotImplementedError

    def account(self, number: str) -> AccountFound | None:
        """The account with this number, open; None (and a wrong try counted) if none."""
        raise NotImplementedError

    def submit(self, meter_id: int, value: str) -> str:
        """Submit `value` ("123.4") for the meter through the readings door; the receipt
        as a sentence to say."""
        raise NotImplementedError


def _p(text: str, key: str = "") -> Prompt:
    return Prompt(text, key, translation.get_language() or "")


def start(*, languages: list[str]) -> Turn:
    """The first Turn: the language menu, or (one language) the account question."""
    offered = [code for code in languages if code in LANGUAGE_KEYS] or ["en"]
    state = {"step": LANGUAGE, "lang": offered[0], "languages": offered, "wrong": 0, "silence": 0}
    if len(offered) == 1:
        state["step"] = ACCOUNT
        with translation.override(state["lang"]):
            return Turn(state, [_greeting(), _account_question()], listen=True)
    return Turn(state, _language_menu(offered), listen=True)


def _greeting() -> Prompt:
    return _p(_("You have called the meter reading line."), "welcome")


def _language_menu(offered: list[str]) -> list[Prompt]:
    prompts = []
    for code in offered:
        with translation.override(code):
            if code == "ru":
                prompts.append(_p(_("For Russian, press 1."), "language"))
            elif code == "lv":
                prompts.append(_p(_("For Latvian, press 2."), "language"))
            else:
                prompts.append(_p(_("For English, press 3."), "language"))
    return prompts


def _account_question() -> Prompt:
    return _p(_("Enter your account number, then the hash key."), "account")


def advance(state: dict, digits: str | None, *, backend: Backend) -> Turn:
    """The next Turn after the caller keyed `digits` (the keys before #, without it;
    None when nothing came before the timeout)."""
    state = dict(state)
    with translation.override(state.get("lang") or "en"):
        if state.get("step") == DONE:
            return Turn(state, [_goodbye()], hangup=True)
        if digits is None:
            return _silence(state, backend)
        state["silence"] = 0
        digits = digits.strip().rstrip("#")
        step = state.get("step")
        if step == LANGUAGE:
            return _language(state, digits, backend)
        if step == ACCOUNT:
            return _account(state, digits, backend)
        if step == VALUE:
            return _value(state, digits)
        if step == CONFIRM:
            return _confirm(state, digits, backend)
        return _end(state, [], ENDED_DONE)


def _goodbye() -> Prompt:
    return _p(_("Thank you for calling. Goodbye."), "goodbye")


def _end(state: dict, prompts: list[Prompt], ended: str) -> Turn:
    return Turn({**state, "step": DONE, "ended": ended}, [*prompts, _goodbye()], hangup=True)


def _silence(state: dict, backend: Backend) -> Turn:
    step = state.get("step")
    if step == LANGUAGE:
        # No choice is a choice: the utility's first language.
        state["step"] = ACCOUNT
        with translation.override(state["lang"]):
            return Turn(state, [_greeting(), _account_question()], listen=True)
    state["silence"] = state.get("silence", 0) + 1
    if state["silence"] >= SILENCES:
        return _end(state, [_p(_("We did not hear anything."), "silence")], ENDED_SILENCE)
    heard = _p(_("We did not hear anything."), "silence")
    return Turn(state, [heard, *_question(state)], listen=True)


def _question(state: dict) -> list[Prompt]:
    """The current question again, after silence or a key that means nothing."""
    step = state.get("step")
    if step == LANGUAGE:
        return _language_menu(state["languages"])
    if step == ACCOUNT:
        return [_account_question()]
    if step == VALUE:
        return _meter_question(state)
    return _confirm_question(state)


def _language(state: dict, digits: str, backend: Backend) -> Turn:
    chosen = next((code for code in state["languages"] if LANGUAGE_KEYS[code] == digits), None)
    if chosen is None:
        return Turn(state, _language_menu(state["languages"]), listen=True)
    state.update(lang=chosen, step=ACCOUNT)
    with translation.override(chosen):
        return Turn(state, [_greeting(), _account_question()], listen=True)


def _account(state: dict, digits: str, backend: Backend) -> Turn:
    # Who may submit: whoever knows the account number, as the utility's answering machine
    # always asked and as the SMS and e-mail channels take it. The call only adds a reading
    # (checked by the door's rules, mailed to the account's logins as a receipt) and says
    # the previous reading; it never says a name, an address or money. The client code is
    # not asked as well: it is printed on the same invoice as the account number, so it
    # proves nothing more. Guessing is what is limited: ACCOUNT_TRIES per call, and a
    # number of wrong tries per caller's number per hour across calls.
    if backend.caller_blocked():
        return _end(
            state, [_p(_("Too many wrong account numbers. Please call again later."), "blocked")], ENDED_BLOCKED
        )
    found = backend.account(digits) if digits.isdecimal() else None
    if found is None:
        state["wrong"] = state.get("wrong", 0) + 1
        if state["wrong"] >= ACCOUNT_TRIES:
            return _end(state, [_p(_("The account was not found."), "account_unknown")], ENDED_ACCOUNT_UNKNOWN)
        return Turn(state, [_p(_("The account was not found."), "account_unknown"), _account_question()], listen=True)
    state["account"] = digits
    if found.closed:
        return _end(state, [_p(found.closed)], ENDED_NOT_TAKEN)
    if not found.meters:
        return _end(state, [_p(_("This account has no meters to read."), "no_meters")], ENDED_NOT_TAKEN)
    state.update(step=VALUE, meters=found.meters, index=0, value="")
    account = _p(_("Account %(number)s.") % {"number": spoken_digits(digits)})
    return Turn(state, [account, *_meter_question(state)], listen=True)


def _meter_question(state: dict) -> list[Prompt]:
    meters, index = state["meters"], state["index"]
    meter = meters[index]
    name = meter["service"] + (f", {meter['location']}" if meter.get("location") else "")
    prompts = [
        _p(_("Meter %(number)s of %(count)s: %(name)s.") % {"number": index + 1, "count": len(meters), "name": name})
    ]
    if meter.get("previous"):
        prompts.append(_p(_("The previous reading is %(value)s.") % {"value": spoken_value(meter["previous"])}))
    prompts.append(
        _p(
            _(
                "Enter the reading, with the star key as the decimal point, then the hash key. "
                "To skip this meter, press the star key, then the hash key."
            ),
            "value",
        )
    )
    return prompts


def _value(state: dict, digits: str) -> Turn:
    # Skipping is "*" then "#": Twilio's <Gather> treats "#" alone as no input at all
    # (it goes on to the next verb, our "did not hear" redirect), so a skip needs a key.
    # An empty answer (Asterisk's GET DATA on "#" alone) skips too.
    if not digits.strip("*#"):
        return _next_meter(state, [_p(_("Skipped."), "skipped")])
    value = digits.replace("*", ".")
    if (
        len(value) > MAX_VALUE_KEYS
        or value.count(".") > 1
        or not value.replace(".", "").isdecimal()
        or value.startswith(".")
    ):
        return Turn(state, [_p(_("That is not a reading."), "not_a_reading"), *_meter_question(state)], listen=True)
    state.update(step=CONFIRM, value=value.rstrip(".") if value.endswith(".") else value)
    return Turn(state, _confirm_question(state), listen=True)


def _confirm_question(state: dict) -> list[Prompt]:
    return [
        _p(_("You entered %(value)s.") % {"value": spoken_value(state["value"])}),
        _p(_("To submit it, press 1. To enter it again, press 2."), "confirm"),
    ]


def _confirm(state: dict, digits: str, backend: Backend) -> Turn:
    if digits == "2":
        state.update(step=VALUE, value="")
        return Turn(state, _meter_question(state), listen=True)
    if digits != "1":
        return Turn(state, _confirm_question(state), listen=True)
    meter = state["meters"][state["index"]]
    receipt = backend.submit(meter["id"], state["value"])
    return _next_meter(state, [_p(receipt)])


def _next_meter(state: dict, prompts: list[Prompt]) -> Turn:
    index = state["index"] + 1
    if index >= len(state["meters"]):
        return _end(state, prompts, ENDED_DONE)
    state.update(step=VALUE, index=index, value="")
    return Turn(state, [*prompts, *_meter_question(state)], listen=True)
