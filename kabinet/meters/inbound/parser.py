"""Readings written by people in an e-mail or SMS, in any of the three languages:

    12345678 ХВС 123 ГВС 45
    lietotāja kods 10001, auksts 123,4
    account 100001 CW-1001 123.4 HW-1001 45

First the account number (or the 5-digit client code), then each meter named by its
service ("хвс", "auksts", "cold"…, Service.short_names) or its serial number, followed by
the value. A message for premises with a single meter may give just the value.
"""

import re
from dataclasses import dataclass, field

from kabinet.customers.models import Account
from kabinet.meters.models import Meter, MeterStatus
from kabinet.meters.values import normalise_digits

IDENTIFIER = re.compile(r"(?<![\w.,-])(\d{5,20})(?![\w]|[.,]\d)")
TOKEN = re.compile(r"[\w][\w.,/-]*", re.UNICODE)
NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
MAX_TEXT = 2000


@dataclass
class ParsedMessage:
    account: Account | None = None
    accounts: list[Account] = field(default_factory=list)
    values: list[tuple[Meter, str]] = field(default_factory=list)
    problem: str = ""  # a code: no_identifier, unknown_identifier, no_values, ambiguous, unknown_meter

    @property
    def ok(self) -> bool:
        return not self.problem


def clean_body(text: str) -> str:
    """Drop quoted replies and signatures: only what the customer wrote now counts."""
    lines = []
    for line in (text or "").splitlines():
        if line.strip() in ("--", "-- ") or line.startswith("-----Original Message"):
            break
        if line.lstrip().startswith(">"):
            continue
        lines.append(line)
    return "\n".join(lines)[:MAX_TEXT]


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


def _strip(token: str) -> str:
    return token.rstrip(".,/-")


def parse_message(text: str) -> ParsedMessage:
    text = normalise_digits(clean_body(text))
    result = ParsedMessage()
    match = IDENTIFIER.search(text)
    if not match:
        result.problem = "no_identifier"
        return result
    result.accounts = _accounts_for(match.group(1))
    if not result.accounts:
        result.problem = "unknown_identifier"
        return result
    result.account = result.accounts[0]
    meters = list(
        Meter.objects.filter(premises__in=[a.premises_id for a in result.accounts], status=MeterStatus.ACTIVE)
        .select_related("service")
        .order_by("service__sort_order", "serial_number")
    )
    by_serial = {m.serial_number.lower(): m for m in meters}
    by_alias: dict[str, list[Meter]] = {}
    for m in meters:
        names = {m.service.code, m.service.name_lv, m.service.name_ru, m.service.name_en}
        names |= {n for n in m.service.short_names.split(",")}
        for name in names:
            for word in (name.strip().lower(), name.strip().lower().split(" ")[0]):
                if word and m not in by_alias.setdefault(word, []):
                    by_alias[word].append(m)

    pending: Meter | None = None
    seen: set[int] = set()
    for token_match in TOKEN.finditer(text[match.end() :]):
        token = _strip(token_match.group(0)).lower()
        if not token:
            continue
        if token in by_serial:
            pending = by_serial[token]
            continue
        if token in by_alias:
            candidates = [m for m in by_alias[token] if m.pk not in seen] or by_alias[token]
            if len(candidates) > 1:
                result.problem = "ambiguous"
                return result
            pending = candidates[0]
            continue
        if NUMBER.match(token):
            meter = pending
            if meter is None and len(meters) == 1:
                meter = meters[0]
            if meter is None:
                result.problem = "unknown_meter"
                return result
            if meter.pk in seen:
                result.values = [(m, v) for m, v in result.values if m.pk != meter.pk]
            result.values.append((meter, token))
            seen.add(meter.pk)
            pending = None
    if not result.values:
        result.problem = "no_values"
    return result
