"""Readings written by people in an e-mail or SMS, in any of the three languages:

    12345678 ХВС 123 ГВС 45
    lietotāja kods 10001, auksts 123,4
    account 100001 CW-1001 123.4 HW-1001 45

First the account number (or the 5-digit client code), then each meter named by its
service ("хвс", "auksts", "cold"…, Service.short_names) or its serial number, followed by
the value. A message for premises with a single meter may give just the value.

Only the customer's own new text is read (kabinet.meters.inbound.text); a forwarded mail
is read when the new text holds no readings. A message is decided as a whole: every value
goes either to one of the account's meters or to a refusal with its reason, and the reply
lists both. A value is passed on exactly as written, sign included, so reading_submit()
refuses "-330" as the portal does.
"""

import re
from dataclasses import dataclass, field

from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from kabinet.customers.models import Account
from kabinet.meters.inbound.text import forwarded_from, split_message
from kabinet.meters.models import Meter, MeterStatus
from kabinet.meters.values import MINUS_SIGNS, VALUE_IN_TEXT, normalise_digits

IDENTIFIER = re.compile(r"(?<![\w.,-])(\d{5,20})(?![\w]|[.,]\d)")
# Words of the message: anything between spaces and punctuation that never belongs to a
# serial or a value. Dashes and minus signs stay in the word ("CW-1001", "-330").
CHUNK = re.compile(r"[^\s;:=()\[\]{}<>\"'«»„“”!?*|]+")
# A meter's name with its value glued on: "ХВС-330", "hot45".
GLUED = re.compile(rf"^(.*?[^\d+{re.escape(MINUS_SIGNS)}])([+{re.escape(MINUS_SIGNS)}]?\d+(?:[.,]\d+)?)$")
# What looks like a serial number: letters, an optional separator, at least three digits.
SERIAL_SHAPE = re.compile(r"^[^\W\d_]+[-/.]?\d{3,}[\w-]*$")

# Problems with the message as a whole (nothing could be read) and with one of its parts.
NO_IDENTIFIER = "no_identifier"
UNKNOWN_IDENTIFIER = "unknown_identifier"
NO_VALUES = "no_values"
AMBIGUOUS = "ambiguous"
UNKNOWN_METER = "unknown_meter"
UNKNOWN_SERIAL = "unknown_serial"
AUTOMATIC = "automatic"


@dataclass
class Refusal:
    code: str  # ambiguous, unknown_meter, unknown_serial
    detail: str = ""  # what the customer wrote: the value, or the serial


@dataclass
class ParsedMessage:
    account: Account | None = None
    accounts: list[Account] = field(default_factory=list)
    identifier: str = ""
    values: list[tuple[Meter, str]] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    # Why nothing could be read: no_identifier, unknown_identifier, no_values, or the code
    # of the first refusal when every value was refused.
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    def problem_lines(self) -> list[str]:
        """Every problem as "code" or "code: detail", one a line (InboundMessage.error)."""
        lines = [f"{r.code}: {r.detail}" if r.detail else r.code for r in self.refusals]
        if self.problem and not self.refusals:
            lines.insert(0, self.problem)
        return lines


@dataclass
class _Unknown:
    """A name that is not one of the account's meters: the value after it is refused."""

    code: str
    detail: str


def problem_text(code: str, detail: str = "", account: str = "") -> str:
    """One problem as the sentence the customer (in the reply) and staff (in the admin) read."""
    if code == NO_IDENTIFIER:
        return _("Your message has no account number or client code.")
    if code == UNKNOWN_IDENTIFIER:
        return _("We found no account with the number you wrote.")
    if code == NO_VALUES:
        return _("We found no readings in your message.")
    if code == AMBIGUOUS:
        if detail:
            return _("“%(text)s”: you have several meters of that kind, name each by its serial number.") % {
                "text": detail
            }
        return _("You have several meters of that kind: name each by its serial number.")
    if code == UNKNOWN_METER:
        if detail:
            return _("We could not tell which meter “%(value)s” belongs to, so it was not accepted.") % {
                "value": detail
            }
        return _("We could not tell which reading belongs to which meter.")
    if code == UNKNOWN_SERIAL:
        return _("“%(serial)s” is not a meter of account %(account)s, so its reading was not accepted.") % {
            "serial": detail,
            "account": account or "?",
        }
    if code == AUTOMATIC:
        return _("An automatic message (an out-of-office reply or a delivery report): not read and not answered.")
    return _("We could not understand part of your message: “%(text)s”.") % {"text": detail or code}


def problem_lines_parse(error: str) -> list[tuple[str, str]]:
    """InboundMessage.error back into (code, detail) pairs."""
    pairs = []
    for line in (error or "").splitlines():
        code, _sep, detail = line.partition(": ")
        if code.strip():
            pairs.append((code.strip(), detail.strip()))
    return pairs


def problem_texts(error: str, account: str = "") -> list[str]:
    return [problem_text(code, detail, account) for code, detail in problem_lines_parse(error)]


def guess_language(text: str, default: str) -> str:
    if re.search(r"[а-яё]", text, re.IGNORECASE):
        return "ru"
    if re.search(r"[āčēģīķļņšūž]|\bkods\b|\bskaitītāj", text, re.IGNORECASE):
        return "lv"
    if re.search(r"\b(account|cold|hot|meter|reading)\b", text, re.IGNORECASE):
        return "en"
    return default


def _accounts_for(identifier: str) -> list[Account]:
    account = Account.objects.filter(number=identifier, closed_on__isnull=True).select_related("customer").first()
    if account is not None:
        return [account]
    if len(identifier) == 5:
        return list(
            Account.objects.filter(customer__client_code=identifier, closed_on__isnull=True)
            .select_related("customer")
            .order_by("number")
        )
    return []


def _words(text: str) -> list[str]:
    words = []
    for chunk in CHUNK.findall(text):
        word = chunk.lstrip("№#").rstrip(".,/").lower()
        if word:
            words.append(word)
    return words


def _names(meters: list[Meter]) -> dict[str, list[Meter]]:
    by_alias: dict[str, list[Meter]] = {}
    for m in meters:
        names = {m.service.code, m.service.name_lv, m.service.name_ru, m.service.name_en}
        names |= set(m.service.short_names.split(","))
        for name in names:
            for word in (name.strip().lower(), name.strip().lower().split(" ")[0]):
                if word and m not in by_alias.setdefault(word, []):
                    by_alias[word].append(m)
    return by_alias


def _foreign_serials(words: list[str], meters: list[Meter]) -> set[str]:
    """Words that are the serial number of a meter outside these premises (one query)."""
    own = {m.serial_number.lower() for m in meters}
    candidates = set()
    for word in words:
        glued = GLUED.match(word)
        for candidate in (word, glued.group(1) if glued else ""):
            if candidate and candidate not in own and (SERIAL_SHAPE.match(candidate) or len(candidate) >= 5):
                candidates.add(candidate)
    if not candidates:
        return set()
    return set(
        Meter.objects.annotate(serial=Lower("serial_number"))
        .filter(serial__in=sorted(candidates)[:500])
        .exclude(pk__in=[m.pk for m in meters])
        .values_list("serial", flat=True)
    )


def _parse(text: str) -> ParsedMessage:
    result = ParsedMessage()
    match = IDENTIFIER.search(text)
    if not match:
        result.problem = NO_IDENTIFIER
        return result
    result.identifier = match.group(1)
    result.accounts = _accounts_for(result.identifier)
    if not result.accounts:
        result.problem = UNKNOWN_IDENTIFIER
        return result
    result.account = result.accounts[0]
    meters = list(
        Meter.objects.filter(premises__in=[a.premises_id for a in result.accounts], status=MeterStatus.ACTIVE)
        .select_related("service")
        .order_by("service__sort_order", "serial_number")
    )
    by_serial = {m.serial_number.lower(): m for m in meters}
    by_alias = _names(meters)
    skip = {result.identifier} | {a.number for a in result.accounts}
    words = _words(text[match.end() :])
    foreign = _foreign_serials(words, meters)

    def name(word: str) -> Meter | _Unknown | None:
        if word in by_serial:
            return by_serial[word]
        if word in foreign:
            return _Unknown(UNKNOWN_SERIAL, word.upper())
        if word in by_alias:
            candidates = [m for m in by_alias[word] if m.pk not in seen] or by_alias[word]
            return candidates[0] if len(candidates) == 1 else _Unknown(AMBIGUOUS, word)
        if SERIAL_SHAPE.match(word) and not VALUE_IN_TEXT.match(word):
            return _Unknown(UNKNOWN_SERIAL, word.upper())
        return None

    def value(raw: str) -> None:
        nonlocal pending
        if isinstance(pending, _Unknown):
            detail = pending.detail if pending.code == UNKNOWN_SERIAL else f"{pending.detail} {raw}"
            result.refusals.append(Refusal(pending.code, detail))
        else:
            meter = pending
            if meter is None and len(meters) == 1 and not seen:
                meter = meters[0]
            if meter is None:
                result.refusals.append(Refusal(UNKNOWN_METER, raw))
            else:
                if meter.pk in seen:  # the same meter again: the later value counts
                    result.values = [(m, v) for m, v in result.values if m.pk != meter.pk]
                result.values.append((meter, raw))
                seen.add(meter.pk)
        pending = None

    def named(found: Meter | _Unknown) -> None:
        nonlocal pending
        if isinstance(pending, _Unknown) and pending.code == UNKNOWN_SERIAL:
            result.refusals.append(Refusal(pending.code, pending.detail))  # a foreign serial without a value
        pending = found

    pending: Meter | _Unknown | None = None
    seen: set[int] = set()
    for word in words:
        if word in skip:
            continue
        found = name(word)
        if found is not None:
            named(found)
            continue
        if VALUE_IN_TEXT.match(word):
            value(word)
            continue
        glued = GLUED.match(word)
        if glued and (found := name(glued.group(1))) is not None:
            named(found)
            value(glued.group(2))
    if isinstance(pending, _Unknown) and pending.code == UNKNOWN_SERIAL:
        result.refusals.append(Refusal(pending.code, pending.detail))
    if not result.values:
        result.problem = result.refusals[0].code if result.refusals else NO_VALUES
    return result


def parse_message(text: str, *, own_addresses: tuple[str, ...] = ()) -> ParsedMessage:
    """Read the customer's new text; when it holds no readings, the mail it forwards
    (unless that mail came from one of `own_addresses`: our own reply, quoted back)."""
    text = normalise_digits(text or "")
    parts = split_message(text)
    result = _parse(parts.own)
    if result.values or not parts.forwarded:
        return result
    sender = forwarded_from(text).lower()
    if any(address and address.lower() in sender for address in own_addresses):
        return result
    return _parse(f"{parts.own}\n{parts.forwarded}")
