"""Payment QR payloads (Django-free).

* GOST R 56042-2014 (Russia): ``ST0001`` + charset digit + separator, then
  ``Key=Value`` pairs; the required block (Name, PersonalAcc, BankName, BIC, CorrespAcc)
  comes first, in that order, and must fit in 300 bytes.
* EPC069-12 v002 (SEPA credit transfer): LF-separated lines BCD / 002 / 1 (UTF-8) /
  SCT / BIC / name / IBAN / EUR amount / purpose / structured reference / text / note;
  a structured (RF) reference and free text are never both present.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from stdnum import iban as iban_std
from stdnum import iso11649

GOST_SEPARATORS = "|#;:^~_/*"
GOST_CHARSET_UTF8 = "2"
GOST_REQUIRED_MAX_BYTES = 300


class PayloadError(ValueError):
    """A value the standard does not allow."""


def _digits(value: str, length: int, field: str) -> str:
    value = (value or "").strip()
    if not re.fullmatch(rf"[0-9]{{{length}}}", value):
        raise PayloadError(f"{field} must be {length} digits")
    return value


def gost_payload(
    *,
    name: str,
    personal_acc: str,
    bank_name: str,
    bic: str,
    correspondent_acc: str,
    sum_kopecks: int | None = None,
    optional: dict[str, str] | None = None,
) -> str:
    """The ST00012 text; `optional` keys (Purpose, PayeeINN, KPP, PersAcc, PaymPeriod,
    TechCode, ...) follow the required block in the given order."""
    name = (name or "").strip()
    bank_name = (bank_name or "").strip()
    if not name or len(name) > 160:
        raise PayloadError("Name must be 1-160 characters")
    if not bank_name or len(bank_name) > 45:
        raise PayloadError("BankName must be 1-45 characters")
    required = [
        ("Name", name),
        ("PersonalAcc", _digits(personal_acc, 20, "PersonalAcc")),
        ("BankName", bank_name),
        ("BIC", _digits(bic, 9, "BIC")),
        ("CorrespAcc", _digits(correspondent_acc, 20, "CorrespAcc") if correspondent_acc != "0" else "0"),
    ]
    rest = []
    if sum_kopecks is not None:
        if sum_kopecks < 0:
            raise PayloadError("Sum must not be negative")
        rest.append(("Sum", str(int(sum_kopecks))))
    for key, value in (optional or {}).items():
        if value not in (None, ""):
            rest.append((key, str(value).replace("\n", " ").replace("\r", " ")))
    values = [v for _k, v in required + rest]
    separator = next((s for s in GOST_SEPARATORS if not any(s in v for v in values)), None)
    if separator is None:
        raise PayloadError("no separator is free")
    head = f"ST0001{GOST_CHARSET_UTF8}"
    required_text = head + "".join(f"{separator}{k}={v}" for k, v in required)
    if len(required_text.encode("utf-8")) > GOST_REQUIRED_MAX_BYTES:
        raise PayloadError("the required block exceeds 300 bytes")
    return required_text + "".join(f"{separator}{k}={v}" for k, v in rest)


def gost_parse(text: str) -> dict[str, str]:
    """Split an ST0001x payload into its fields (for tests and for reading receipts)."""
    if not text.startswith("ST0001") or len(text) < 8:
        raise PayloadError("not a GOST R 56042 payload")
    separator = text[7]
    fields = {}
    for part in text[8:].split(separator):
        key, _, value = part.partition("=")
        fields[key] = value
    return fields


def kopecks(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def epc_payload(
    *,
    name: str,
    iban: str,
    amount: Decimal | None,
    bic: str = "",
    reference: str = "",
    text: str = "",
    purpose: str = "",
    note: str = "",
) -> str:
    """The EPC069-12 version 002 payload (UTF-8)."""
    name = (name or "").strip()
    if not name or len(name) > 70:
        raise PayloadError("name must be 1-70 characters")
    iban = iban_std.compact(iban or "")
    if not iban_std.is_valid(iban):
        raise PayloadError("invalid IBAN")
    bic = (bic or "").strip().upper()
    if bic and not re.fullmatch(r"[A-Z0-9]{8}([A-Z0-9]{3})?", bic):
        raise PayloadError("invalid BIC")
    if reference and text:
        raise PayloadError("a structured reference and a text are never both present")
    if reference:
        reference = iso11649.compact(reference)
        if len(reference) > 35 or not iso11649.is_valid(reference):
            raise PayloadError("invalid RF creditor reference")
    if len(text) > 140 or len(note) > 70:
        raise PayloadError("text or note too long")
    if purpose and not re.fullmatch(r"[A-Z0-9]{4}", purpose):
        raise PayloadError("purpose must be a 4-character code")
    if amount is None or Decimal(amount) == 0:
        amount_text = ""
    else:
        value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if not Decimal("0.01") <= value <= Decimal("999999999.99"):
            raise PayloadError("amount out of range")
        amount_text = f"EUR{value}"
    lines = ["BCD", "002", "1", "SCT", bic, name, iban, amount_text, purpose, reference, text, note]
    while lines and lines[-1] == "":
        lines.pop()
    payload = "\n".join(lines)
    if len(payload.encode("utf-8")) > 331:
        raise PayloadError("payload exceeds 331 bytes")
    return payload
