import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


class StatementError(ValueError):
    """A file that cannot be imported; `where` names the line or element."""

    def __init__(self, message: str, where: str = ""):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


def xml_without_dtd(data: bytes) -> bytes:
    """Bank statements in XML never declare a DTD or entities; a file that does is refused
    before parsing, so no entity is ever expanded (billion laughs) or fetched (XXE).
    The C parser stays (a 60 MB statement is parsed in one call): the check is a byte scan.
    """
    for marker in (b"<!DOCTYPE", b"<!ENTITY"):
        at = data.find(marker)
        if at != -1:
            line = data.count(b"\n", 0, at) + 1
            raise StatementError("a DTD or entity declaration (not allowed in a bank statement)", f"line {line}")
    return data


@dataclass(frozen=True, slots=True)
class Transaction:
    """One money movement on our bank account.

    `credit` is True for money received. `reversal` marks a reversal or return of an
    earlier credit (a debit with the reversal indicator, a returned transfer): it
    undoes the payment named by `original_ref` (or, failing that, the same reference).
    `returned` marks a return by the payer's bank (a direct debit returned unpaid), with
    the bank's `return_reason` code. `problem` names why a transaction the file does hold
    cannot be posted on its own (see PROBLEMS): it goes to the staff queue instead.
    """

    bank_ref: str
    amount: Decimal
    credit: bool
    booked_on: dt.date
    currency: str = ""
    reference: str = ""  # structured creditor reference (RF…)
    text: str = ""  # free text: payers write their account number here
    payer_name: str = ""
    payer_iban: str = ""
    end_to_end_id: str = ""
    reversal: bool = False
    original_ref: str = ""
    statement_account: str = ""  # our IBAN / settlement account the statement is for
    account_hint: str = ""  # an account number given in its own column (agent registries)
    where: str = ""  # line or element, for messages
    returned: bool = False
    return_reason: str = ""
    problem: str = ""


# Why a transaction goes to the staff queue whatever it says (translated by the app).
PROBLEMS = frozenset({"batch_unsplit", "batch_total"})


AMOUNT_RE = re.compile(r"^-?[0-9]+([.,][0-9]{1,2})?$")


def parse_amount(text: str | None, where: str) -> Decimal:
    value = (text or "").strip().replace("\xa0", "").replace(" ", "")
    if not AMOUNT_RE.match(value):
        raise StatementError(f"invalid amount {text!r}", where)
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex guards it
        raise StatementError(f"invalid amount {text!r}", where) from exc
    return amount


def parse_date(text: str | None, where: str, formats: tuple[str, ...] = ("%Y-%m-%d",)) -> dt.date:
    value = (text or "").strip()
    if formats == ("%Y-%m-%d",) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:  # the ISO fast path (strptime is ~10x slower)
            return dt.date(int(value[:4]), int(value[5:7]), int(value[8:10]))
        except ValueError:
            raise StatementError(f"invalid date {text!r}", where) from None
    if "T" in value and "%Y-%m-%d" in formats:
        value = value.split("T", 1)[0]
    for fmt in formats:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise StatementError(f"invalid date {text!r}", where)
