"""The bot's dialogue as pure functions: (state, message) -> Outcome(state, replies, actions).

No database here: the state is plain JSON kept on the chat, the replies are texts, and
what must touch data (link the chat, load the meters, submit the readings, file the
request) is returned as actions for kabinet.telegram.services to perform. The values
typed are not judged here beyond "looks like a number": the readings door
(kabinet.meters.submission) decides them with the same rules as every other channel.

    handle(state, message)              -> what a text or photo does
    readings_begin(meters)              -> the first question, once the service has the meters
    problem_begin(accounts, categories) -> a problem report: which address and what kind, when
                                           there is a choice, then the description
    reading_photo_received(state, photo_id, suggested, caption)
                                        -> after the service stored a photo of the meter asked
                                           about: offers the value read from it to confirm
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

IDLE = "idle"
READINGS = "readings"
PROBLEM_ACCOUNT = "problem_account"
PROBLEM_CATEGORY = "problem_category"
PROBLEM_PHONE = "problem_phone"
PROBLEM_TEXT = "problem_text"
PROBLEM_PHOTO = "problem_photo"

LANGUAGES = ("lv", "ru", "en")
# A one-time code as the portal shows it (kabinet.telegram.services.LINK_ALPHABET).
CODE = re.compile(r"^[A-Z2-9]{8}$")
PHONE = re.compile(r"^\+?[\d\s()-]{6,20}$")
NUMBER = re.compile(r"^\d{1,9}([.,]\d{1,3})?$")
SKIP = {"-", "/skip", "skip", "пропустить", "izlaist"}
YES = {"/yes", "yes", "y", "+", "да", "jā", "ja"}


@dataclass(frozen=True)
class Message:
    text: str = ""
    photo: str = ""  # the file_id of the largest size of a photo, if one came
    linked: bool = False


@dataclass
class Outcome:
    state: dict
    replies: list[str] = field(default_factory=list)
    actions: list[tuple] = field(default_factory=list)


def _command(text: str) -> tuple[str, str]:
    """("/link", "ABCD2345") from "/link@KabinetBot ABCD2345"."""
    if not text.startswith("/"):
        return "", text
    head, _sep, rest = text.partition(" ")
    return head.split("@", 1)[0].lower(), rest.strip()


def help_text(*, linked: bool, portal_url: str) -> str:
    if linked:
        return _(
            "Commands:\n/readings: submit meter readings\n/balance: the balance of your accounts\n"
            "/invoice: the last invoice as a PDF\n/problem: report a problem\n/lang: language\n"
            "/unlink: disconnect this chat\n/cancel: stop the current dialogue"
        )
    return _(
        "This bot takes your meter readings and shows your balance and invoices.\n"
        "To start, link this chat to your login: in the portal open Settings, Telegram, "
        "get a one-time code and send it here as /link CODE (or the code alone).\n"
        "Then send /readings: the bot asks meter by meter; type the value as 123 or 123,4.\n"
        "Portal: %(url)s"
    ) % {"url": portal_url}


def handle(state: dict, message: Message, *, portal_url: str = "") -> Outcome:
    state = dict(state or {})
    step = state.get("step", IDLE)
    text = (message.text or "").strip()
    command, argument = _command(text)

    if command == "/start" and argument:  # the portal's t.me/<bot>?start=<code> link
        return Outcome({"step": IDLE}, [], [("link", argument.strip().upper())])
    if command in ("/start", "/help"):
        return Outcome({"step": IDLE}, [help_text(linked=message.linked, portal_url=portal_url)])
    if command == "/link" or (not message.linked and CODE.match(text.upper()) and not command):
        code = (argument if command else text).strip().upper()
        if not code:
            return Outcome(state, [_("Send the code from the portal: /link CODE")])
        return Outcome({"step": IDLE}, [], [("link", code)])
    if command == "/lang":
        if argument.lower() in LANGUAGES:
            return Outcome(state, [], [("language", argument.lower())])
        return Outcome(state, [_("Choose a language: /lang lv, /lang ru or /lang en")])
    if not message.linked:
        return Outcome({"step": IDLE}, [help_text(linked=False, portal_url=portal_url)])
    if command == "/cancel":
        return Outcome({"step": IDLE}, [_("Stopped. Nothing more was sent.")])
    if command == "/unlink":
        return Outcome({"step": IDLE}, [], [("unlink",)])
    if command == "/readings":
        return Outcome({"step": IDLE}, [], [("readings_start",)])
    if command == "/balance":
        return Outcome({"step": IDLE}, [], [("balance",)])
    if command == "/invoice":
        return Outcome({"step": IDLE}, [], [("invoice",)])
    if command == "/problem":
        return Outcome({"step": IDLE}, [], [("problem_start",)])

    if step == READINGS and message.photo:  # a photo of the meter asked about
        meter = state["meters"][state["index"]]
        return Outcome(state, [], [("reading_photo", meter["id"], message.photo, text)])
    if step == READINGS and state.get("suggested") and (command == "/yes" or text.lower() in YES):
        return _reading_answer(state, state["suggested"])  # the customer confirmed what was read
    if step == READINGS and command == "/yes":
        return Outcome(state, [pgettext("telegram", "Send digits only, e.g. 123 or 123,4, or /skip.")])
    if step == READINGS and command in ("", "/skip"):
        return _reading_answer(state, text)
    if step in (PROBLEM_ACCOUNT, PROBLEM_CATEGORY) and not command:
        return _problem_choice(state, text)
    if step == PROBLEM_PHONE and not command:
        if not PHONE.match(text):
            return Outcome(state, [_("Send a phone number: digits, spaces, + - ( ).")])
        return _problem_next({**state, "phone": text})
    if step == PROBLEM_TEXT and not command:
        if not text and not message.photo:
            return Outcome(state, [_("Describe the problem in one message. You can attach a photo.")])
        if message.photo and text:  # a photo with a caption: all we need
            return Outcome({"step": IDLE}, [], [_problem_action(state, text, message.photo)])
        if message.photo:
            return Outcome({**state, "photo": message.photo}, [_("Now describe the problem in words.")])
        if state.get("photo"):
            return Outcome({"step": IDLE}, [], [_problem_action(state, text, state["photo"])])
        return Outcome(
            {**state, "step": PROBLEM_PHOTO, "text": text},
            [_("Send a photo of the problem, or /skip to file it without one.")],
        )
    if step == PROBLEM_PHOTO and (message.photo or command == "/skip" or text.lower() in SKIP):
        return Outcome({"step": IDLE}, [], [_problem_action(state, state.get("text", ""), message.photo)])
    if step == PROBLEM_PHOTO:
        return Outcome(state, [_("Send a photo of the problem, or /skip to file it without one.")])
    return Outcome({"step": IDLE}, [help_text(linked=True, portal_url=portal_url)])


def readings_begin(meters: list[dict]) -> Outcome:
    """Start the readings dialogue over `meters`: [{"id", "label", "previous"}] in order,
    "previous" a string (as the portal shows it) or ""."""
    if not meters:
        return Outcome({"step": IDLE}, [_("There are no meters to read on your accounts.")])
    state = {"step": READINGS, "meters": meters, "index": 0, "values": []}
    intro = _("Send the reading of each meter in turn (123 or 123,4). /skip skips a meter, /cancel stops.")
    return Outcome(state, [intro, _question(meters[0])])


def problem_begin(accounts: list[dict], categories: list[dict], *, phone_known: bool = True) -> Outcome:
    """Start a problem report. `accounts` and `categories` are [{"id", "label"}] the login
    may file for: with more than one of either the customer picks by number first (which
    address, what kind of problem), as the portal's form asks; without a phone number on
    the login, the number the technician calls is asked too."""
    if not accounts or not categories:
        return Outcome({"step": IDLE}, [_("Requests cannot be filed here. Please call us.")])
    state = {"step": PROBLEM_TEXT, "accounts": accounts, "categories": categories}
    state["phone"] = "" if phone_known else None
    state["account"] = accounts[0]["id"] if len(accounts) == 1 else None
    state["category"] = categories[0]["id"] if len(categories) == 1 else None
    return _problem_next(state)


def _choices(items: list[dict]) -> str:
    return "\n".join(f"{n}. {item['label']}" for n, item in enumerate(items, start=1))


def _problem_next(state: dict) -> Outcome:
    """The next question of a problem report: the address, the kind, then the description."""
    if state.get("account") is None:
        return Outcome(
            {**state, "step": PROBLEM_ACCOUNT},
            [_("Which address is it about? Send its number.") + "\n" + _choices(state["accounts"])],
        )
    if state.get("category") is None:
        return Outcome(
            {**state, "step": PROBLEM_CATEGORY},
            [_("What kind of problem is it? Send its number.") + "\n" + _choices(state["categories"])],
        )
    if state.get("phone") is None:
        return Outcome({**state, "step": PROBLEM_PHONE}, [_("Which phone number should the technician call?")])
    return Outcome({**state, "step": PROBLEM_TEXT}, [_("Describe the problem in one message. You can attach a photo.")])


def _problem_choice(state: dict, text: str) -> Outcome:
    key, field_ = ("accounts", "account") if state["step"] == PROBLEM_ACCOUNT else ("categories", "category")
    items = state[key]
    number = text.strip().rstrip(".")
    if not number.isdecimal() or not 1 <= int(number) <= len(items):
        return Outcome(state, [_("Send a number from 1 to %(count)d, or /cancel.") % {"count": len(items)}])
    return _problem_next({**state, field_: items[int(number) - 1]["id"]})


def _problem_action(state: dict, text: str, photo: str) -> tuple:
    """("problem", description, photo file id, account id, category id, phone): the service
    checks the ids against the login's own accounts again (a state is only the chat's word)."""
    return ("problem", text, photo, state.get("account"), state.get("category"), state.get("phone") or "")


def _question(meter: dict) -> str:
    if meter.get("previous"):
        return _("%(meter)s\nPrevious reading: %(previous)s\nThe reading now?") % {
            "meter": meter["label"],
            "previous": meter["previous"],
        }
    return _("%(meter)s\nThe reading now?") % {"meter": meter["label"]}


def reading_photo_received(state: dict, *, photo_id: int, suggested: str, caption: str) -> Outcome:
    """A photo of the meter now asked about is stored (photo_id): it goes with that meter's
    reading. A number in its caption is the answer; otherwise the value read from the
    photo is offered, never sent until the customer says yes."""
    meter = state["meters"][state["index"]]
    photos = {**state.get("photos", {}), str(meter["id"]): photo_id}
    state = {**state, "photos": photos}
    if caption and NUMBER.match(caption.replace(" ", "")):
        return _reading_answer(state, caption)
    if suggested:
        return Outcome(
            {**state, "suggested": suggested},
            [
                _("We read %(value)s from the photo. Is that right? Send /yes, or type the right value.")
                % {"value": suggested}
            ],
        )
    state.pop("suggested", None)
    return Outcome(state, [_("The photo is attached. Type the reading as you see it on the meter.")])


def _reading_answer(state: dict, text: str) -> Outcome:
    state = {k: v for k, v in state.items() if k != "suggested"}  # an offer is for one question
    meters, index, values = state["meters"], state["index"], list(state["values"])
    if text.lower() in SKIP:
        pass
    elif NUMBER.match(text.replace(" ", "")):
        values.append([meters[index]["id"], text.replace(" ", "")])
    else:
        return Outcome(state, [pgettext("telegram", "Send digits only, e.g. 123 or 123,4, or /skip.")])
    index += 1
    if index < len(meters):
        return Outcome({**state, "index": index, "values": values}, [_question(meters[index])])
    if not values:
        return Outcome({"step": IDLE}, [_("No readings were sent.")])
    photos = state.get("photos")
    return Outcome({"step": IDLE}, [], [("readings_submit", values, photos) if photos else ("readings_submit", values)])
