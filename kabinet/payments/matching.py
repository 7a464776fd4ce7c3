"""Matching statement transactions to accounts, set-based.

The dictionaries (account numbers, client codes, payers' accounts seen before, keys
already imported) are loaded in a few queries for the whole file, then every
transaction is matched in Python. Order of the rules:

1. the agent registry's account column;
2. the RF creditor reference printed on our invoices (structured, or written in the text);
3. an account number, then a client code, found in the free text;
4. the payer's bank account seen before on exactly one of our accounts.
"""

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext as _

from kabinet.customers.models import Account
from kabinet.lib.statements import Transaction
from kabinet.payments.models import Payment, PaymentChannel, PaymentStatus

RF_RE = re.compile(r"\bRF\d{2}[0-9A-Z]{1,21}\b")
DIGITS_RE = re.compile(r"(?<![0-9])[0-9]{5,20}(?![0-9])")
CHUNK = 20_000


class Outcome:
    NEW = "new"  # matched, will be registered
    UNMATCHED = "unmatched"  # will wait in the staff queue
    DUPLICATE = "duplicate"  # already imported: nothing happens
    REVERSAL = "reversal"  # reverses an earlier payment
    REVERSAL_DONE = "reversal_done"  # that reversal was already applied
    REVERSAL_ORPHAN = "reversal_orphan"  # no payment found to reverse


@dataclass(slots=True)
class Match:
    tx: Transaction
    key: str
    outcome: str
    account_id: int | None = None
    account_number: str = ""
    reason: str = ""
    reverses: int | None = None  # payment id a reversal undoes
    reverses_account_id: int | None = None
    reverses_posted: bool = False
    extra: dict = field(default_factory=dict)


def payment_key(tx: Transaction) -> str:
    """The idempotency key: our account + bank reference + date + amount."""
    key = f"{tx.statement_account}|{tx.bank_ref}|{tx.booked_on:%Y%m%d}|{tx.amount}"
    if len(key) > 100:
        key = "h:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def filter_in(queryset, field: str, values: Iterable):
    """Rows whose `field` is one of `values`, for tens of thousands of values: on
    PostgreSQL one `= ANY(array)` parameter (an IN list of 20,000 placeholders costs
    seconds to build and parse), elsewhere IN lists in chunks. Yields querysets."""
    values = list(values)
    if not values:
        return
    if connection.vendor == "postgresql":
        model = queryset.model
        column = model._meta.get_field(field).column
        table = connection.ops.quote_name(model._meta.db_table)
        # Quoted identifiers from the model; the values are a bound parameter.
        where = f"{table}.{connection.ops.quote_name(column)} = ANY(%s)"
        yield queryset.extra(where=[where], params=[values])  # nosec B610
        return
    for chunk in _chunks(values):
        yield queryset.filter(**{f"{field}__in": chunk})


_RF_DIGITS = {c: str(ord(c) - 55) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} | {str(d): str(d) for d in range(10)}


def _rf_account(reference: str) -> str | None:
    """account_from_reference() for the hot loop: the same ISO 11649 check (mod 97),
    several times faster than going through python-stdnum."""
    ref = reference.replace(" ", "").upper()
    if len(ref) < 5 or len(ref) > 25 or not ref.startswith("RF") or not ref[2:4].isdigit():
        return None
    try:
        digits = "".join(_RF_DIGITS[c] for c in ref[4:] + ref[:4])
    except KeyError:
        return None
    return ref[4:] if int(digits) % 97 == 1 else None


def _rf_accounts(tx: Transaction) -> list[str]:
    found = []
    refs = [tx.reference] if tx.reference else []
    if "RF" in tx.text.upper():
        refs += RF_RE.findall(tx.text.upper())
    for ref in refs:
        number = _rf_account(ref)
        if number and number not in found:
            found.append(number)
    return found


def match_transactions(transactions: list[Transaction], *, channel: str, currency: str = "") -> list[Match]:
    """Decide what posting the file would do, without writing anything."""
    reasons = _reasons()
    keys = [payment_key(tx) for tx in transactions]
    tokens: list[tuple[list[str], list[str]]] = []  # (rf account numbers, digit tokens) per tx
    numbers: set[str] = set()
    for tx in transactions:
        rf = _rf_accounts(tx)
        digits = DIGITS_RE.findall(tx.text) if tx.text else []
        tokens.append((rf, digits))
        numbers.update(rf)
        if tx.account_hint:
            numbers.add(tx.account_hint)
        numbers.update(token for token in digits if len(token) > 5)

    account_by_number: dict[str, int] = {}
    for qs in filter_in(Account.objects.all(), "number", numbers):
        account_by_number.update(qs.values_list("number", "id"))
    number_by_id = {v: k for k, v in account_by_number.items()}
    # Client codes and payers' accounts are the fallbacks: look them up only for the
    # transactions the reference or an account number did not settle.
    codes: set[str] = set()
    ibans: set[str] = set()
    for tx, (rf, digits) in zip(transactions, tokens, strict=True):
        if not tx.reversal and (
            tx.account_hint
            or any(n in account_by_number for n in rf)
            or any(len(t) > 5 and t in account_by_number for t in digits)
        ):
            continue
        codes.update(token for token in digits if len(token) == 5)
        if tx.payer_iban:
            ibans.add(tx.payer_iban)
    accounts_by_code: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for chunk in _chunks(codes):
        rows = Account.objects.filter(customer__client_code__in=chunk, closed_on__isnull=True).values_list(
            "customer__client_code", "id", "number"
        )  # few: client codes are written by hand
        for code, account_id, number in rows:
            accounts_by_code[code].append((account_id, number))
            number_by_id[account_id] = number
    accounts_by_iban: dict[str, set[int]] = defaultdict(set)
    for qs in filter_in(Payment.objects.filter(status=PaymentStatus.REGISTERED), "payer_iban", ibans):
        rows = qs.values_list("payer_iban", "account_id", "account__number").distinct()
        for iban, account_id, number in rows:
            accounts_by_iban[iban].add(account_id)
            number_by_id[account_id] = number
    credit_keys = [k for k, tx in zip(keys, transactions, strict=True) if tx.credit]
    existing: set[str] = set()
    for qs in filter_in(Payment.objects.filter(channel=channel), "external_id", credit_keys):
        existing.update(qs.values_list("external_id", flat=True))
    reversal_keys = [k for k, tx in zip(keys, transactions, strict=True) if tx.reversal]
    done_reversals: set[str] = set()
    for chunk in _chunks(reversal_keys):
        done_reversals.update(Payment.objects.filter(reversal_ref__in=chunk).values_list("reversal_ref", flat=True))

    matches: list[Match] = []
    seen_in_file: set[str] = set()
    for tx, key, (rf, digits) in zip(transactions, keys, tokens, strict=True):
        if tx.reversal:
            if key in done_reversals:
                matches.append(Match(tx=tx, key=key, outcome=Outcome.REVERSAL_DONE))
            elif tx.problem:
                # Which payments it undoes is not known: shown to staff, not applied.
                reason = reasons[tx.problem] % {"where": tx.where}
                matches.append(Match(tx=tx, key=key, outcome=Outcome.REVERSAL_ORPHAN, reason=reason))
            else:
                matches.append(Match(tx=tx, key=key, outcome=Outcome.REVERSAL))
            continue
        if key in existing or key in seen_in_file:
            matches.append(Match(tx=tx, key=key, outcome=Outcome.DUPLICATE, reason=_("already imported")))
            continue
        seen_in_file.add(key)
        if tx.problem:
            reason = reasons[tx.problem] % {"where": tx.where}
            matches.append(Match(tx=tx, key=key, outcome=Outcome.UNMATCHED, reason=reason))
            continue
        account_id, reason = _decide(
            tx, rf, digits, account_by_number, accounts_by_code, accounts_by_iban, currency, reasons
        )
        if account_id is None:
            matches.append(Match(tx=tx, key=key, outcome=Outcome.UNMATCHED, reason=reason))
        else:
            matches.append(
                Match(
                    tx=tx,
                    key=key,
                    outcome=Outcome.NEW,
                    account_id=account_id,
                    account_number=number_by_id.get(account_id, ""),
                    reason=reason,
                )
            )
    if reversal_keys:
        _find_reversed(matches, account_by_number, accounts_by_code, accounts_by_iban, currency, tokens, transactions)
    return matches


def _reasons() -> dict[str, str]:
    """The reasons, translated once per file (a gettext call per row costs more than the match)."""
    return {
        "currency": _("currency %(currency)s"),
        "registry": _("account number in the registry"),
        "registry_unknown": _("unknown account %(number)s in the registry"),
        "reference": _("reference %(ref)s"),
        "number": _("account number %(number)s in the text"),
        "numbers": _("several account numbers in the text: %(numbers)s"),
        "code": _("client code %(code)s in the text"),
        "code_many": _("client code %(code)s has %(count)s accounts"),
        "iban": _("payer's account %(iban)s seen before"),
        "iban_many": _("payer's account %(iban)s paid for several accounts"),
        "none": _("no reference, account number or known payer"),
        # Transaction.problem codes (kabinet.lib.statements.base.PROBLEMS)
        "batch_unsplit": _("a batch booking without the amount of each payment (%(where)s): split it by hand"),
        "batch_total": _("the payments of a batch booking do not add up to it (%(where)s): split it by hand"),
    }


def _decide(tx, rf, digits, account_by_number, accounts_by_code, accounts_by_iban, currency, R):  # noqa: N803
    if currency and tx.currency and tx.currency != currency:
        return None, R["currency"] % {"currency": tx.currency}
    if tx.account_hint:
        account_id = account_by_number.get(tx.account_hint)
        if account_id:
            return account_id, R["registry"]
        return None, R["registry_unknown"] % {"number": tx.account_hint}
    for number in rf:
        account_id = account_by_number.get(number)
        if account_id:
            return account_id, R["reference"] % {"ref": tx.reference or number}
    found = {account_by_number[t]: t for t in digits if len(t) > 5 and t in account_by_number}
    if len(found) == 1:
        number = next(iter(found.values()))
        return next(iter(found)), R["number"] % {"number": number}
    if len(found) > 1:
        return None, R["numbers"] % {"numbers": ", ".join(found.values())}
    for token in digits:
        if len(token) == 5 and token in accounts_by_code:
            accounts = accounts_by_code[token]
            if len(accounts) == 1:
                return accounts[0][0], R["code"] % {"code": token}
            return None, R["code_many"] % {"code": token, "count": len(accounts)}
    if tx.payer_iban:
        known = accounts_by_iban.get(tx.payer_iban, set())
        if len(known) == 1:
            return next(iter(known)), R["iban"] % {"iban": tx.payer_iban}
        if len(known) > 1:
            return None, R["iban_many"] % {"iban": tx.payer_iban}
    return None, R["none"]


def _find_reversed(matches, account_by_number, accounts_by_code, accounts_by_iban, currency, tokens, transactions):
    """Reversals undo the payment with the same end-to-end id (or, failing that, the
    latest payment of the same amount on the account the reversal's details point to: one
    earlier in this file, else one in the database)."""
    pending = [m for m in matches if m.outcome == Outcome.REVERSAL]
    if not pending:
        return
    e2e = {m.tx.original_ref for m in pending if m.tx.original_ref}
    by_e2e: dict[tuple[str, Decimal], list] = defaultdict(list)
    for chunk in _chunks(e2e):
        rows = Payment.objects.filter(
            end_to_end_id__in=chunk, status__in=[PaymentStatus.REGISTERED, PaymentStatus.UNMATCHED]
        ).values_list("end_to_end_id", "amount", "id", "account_id", "status", "account__number")
        for ref, amount, pid, account_id, status, number in rows:
            by_e2e[(ref, amount)].append((pid, account_id, status, number))
    # In-file payments (credited earlier in the same file) are posted before reversals
    # and found by the service; here we resolve against the database.
    fallback_accounts = {}
    tx_tokens = {id(tx): tok for tx, tok in zip(transactions, tokens, strict=True)}
    for m in pending:
        if m.tx.original_ref and by_e2e.get((m.tx.original_ref, m.tx.amount)):
            continue
        rf, digits = tx_tokens[id(m.tx)]
        account_id, _reason = _decide(
            m.tx, rf, digits, account_by_number, accounts_by_code, accounts_by_iban, currency, _reasons()
        )
        if account_id:
            fallback_accounts[id(m)] = account_id
    by_account: dict[tuple[int, Decimal], list] = defaultdict(list)
    if fallback_accounts:
        rows = (
            Payment.objects.filter(
                account_id__in=set(fallback_accounts.values()),
                status=PaymentStatus.REGISTERED,
                channel__in=[PaymentChannel.BANK, PaymentChannel.AGENT],
            )
            .order_by("-paid_on", "-id")
            .values_list("account_id", "amount", "id", "status", "account__number")
        )
        for account_id, amount, pid, status, number in rows:
            by_account[(account_id, amount)].append((pid, account_id, status, number))
    in_file: dict[tuple, list[Match]] = defaultdict(list)
    for other in matches:
        if other.outcome == Outcome.NEW:
            if other.tx.end_to_end_id:
                in_file[("e2e", other.tx.end_to_end_id, other.tx.amount)].append(other)
            in_file[("acc", other.account_id, other.tx.amount)].append(other)
    used: set[int] = set()
    used_in_file: set[str] = set()
    for m in pending:
        candidates = by_e2e.get((m.tx.original_ref, m.tx.amount), []) if m.tx.original_ref else []
        how = _("end-to-end id %(ref)s") % {"ref": m.tx.original_ref}
        chosen = next((c for c in candidates if c[0] not in used), None)
        if chosen is None:
            # The payment may be earlier in this same file: it is more recent than any
            # in the database, so it comes before the "same account and amount" guess.
            for look in (("e2e", m.tx.original_ref, m.tx.amount), ("acc", fallback_accounts.get(id(m)), m.tx.amount)):
                other = next((o for o in in_file.get(look, []) if o.key not in used_in_file), None)
                if other is not None and other.tx.booked_on <= m.tx.booked_on:
                    used_in_file.add(other.key)
                    m.extra["in_file_key"] = other.key
                    m.account_id, m.account_number = other.account_id, other.account_number
                    m.reverses_account_id, m.reverses_posted = other.account_id, True
                    m.reason = _("a payment earlier in this file")
                    break
        if chosen is None and "in_file_key" in m.extra:
            continue
        if chosen is None and id(m) in fallback_accounts:
            candidates = by_account.get((fallback_accounts[id(m)], m.tx.amount), [])
            how = _("same account and amount")
            chosen = next((c for c in candidates if c[0] not in used), None)
        if chosen is None:
            m.outcome = Outcome.REVERSAL_ORPHAN
            m.reason = _("no payment found to reverse")
            continue
        used.add(chosen[0])
        m.reverses, m.reverses_account_id = chosen[0], chosen[1]
        m.reverses_posted = chosen[2] == PaymentStatus.REGISTERED
        m.account_id, m.account_number = chosen[1], chosen[3] or ""
        m.reason = how
