"""ISO 20022 camt.052 (report), camt.053 (statement) and camt.054 (notification), any
version (.02, .04 and .08 are tested).

The file is read by the standard's own optionality: what the schema makes mandatory in an
entry (Amt, CdtDbtInd) refuses the file, naming the entry, when it is missing or wrong;
any optional element may be absent, and an entry built from them is never a reason to
refuse the rest of the file. Booked entries only (Sts BOOK, or no status).

Direction. A credit is a payment. A debit that is a reversal (RvslInd) or a return (RtrInf
in its TxDtls, or the bank transaction code of a return) undoes an earlier credit; a
return keeps the bank's reason code so staff see it as a return. Other debits (our own
outgoing payments) are read for their identity only and are not payments; neither is a
credit that undoes one of them (our outgoing payment reversed or returned to us).

Batches. An entry with several TxDtls gives one transaction per TxDtls with the amount of
each (TxDtls/Amt, or AmtDtls/TxAmt/Amt). A credit batch whose parts' amounts are not all
given, or do not add up to the entry, stays whole and goes to the staff queue (Transaction
`problem`): money is never registered twice or lost in the split.

Identity (what a repeated import is recognised by): the transaction's Refs/AcctSvcrRef,
else the entry's AcctSvcrRef or NtryRef (with the TxDtls position in a batch), else
Refs/EndToEndId (not NOTPROVIDED), TxId or InstrId, else a stable hash of the entry's
content (booking date, amount, currency, counterparty, remittance info, position in the
entry). Entries that fall back to the same identity in one file are numbered by
occurrence (#2, #3, …). Identities that worked before these fallbacks are unchanged, so a
statement imported earlier is still recognised.
"""

import hashlib
import xml.etree.ElementTree as ET  # nosec B405  # parsed only after xml_without_dtd()
from dataclasses import dataclass
from decimal import Decimal

from kabinet.lib.statements.base import StatementError, Transaction, parse_amount, parse_date, xml_without_dtd

DIRECTIONS = ("CRDT", "DBIT")

# Bank transaction sub-family codes of a returned or reversed payment (ISO 20022
# ExternalBankTransactionSubFamily1Code): unpaid/returned direct debit, reversal of a
# direct debit, a returned credit transfer.
RETURN_SUBFAMILIES = frozenset({"UPDD", "PRDD", "RRTN"})


class _Paths:
    """Namespaced tags. Paths are walked one child at a time: a single-tag find() runs
    in C, a multi-step path goes through ElementPath in Python (several times slower)."""

    def __init__(self, ns: str):
        self.ns = ns
        self._cache: dict[str, tuple[str, ...]] = {}
        self._joined: dict[str, str] = {}

    def steps(self, path: str) -> tuple[str, ...]:
        cached = self._cache.get(path)
        if cached is None:
            cached = tuple(f"{self.ns}{part}" for part in path.split("/"))
            self._cache[path] = cached
        return cached

    def __call__(self, path: str) -> str:
        joined = self._joined.get(path)
        if joined is None:
            joined = self._joined[path] = "/".join(self.steps(path))
        return joined


def _find(el, path: str, p: _Paths):
    for step in p.steps(path):
        if el is None:
            return None
        el = el.find(step)
    return el


def _text(el, path: str, p: _Paths) -> str:
    found = _find(el, path, p)
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_camt(data: bytes) -> list[Transaction]:
    # The whole document is built by the C parser in one call: per-element Python
    # callbacks (iterparse) cost ~3x more, and a statement of 100,000 transfers
    # (~60 MB) fits comfortably in memory (~600 MB for the tree).
    try:
        root = ET.fromstring(xml_without_dtd(data))  # nosec B314  # no DTD, so no entities (base.py)
    except ET.ParseError as exc:
        line, column = exc.position
        raise StatementError(f"malformed XML ({exc})", f"line {line}, column {column}") from exc
    tag = root.tag
    local = tag.rsplit("}", 1)[-1]
    if local != "Document":
        raise StatementError(f"root element is <{local}>, expected <Document>", "line 1")
    p = _Paths(tag[: -len("Document")])
    if p.ns and not any(kind in p.ns for kind in ("camt.052", "camt.053", "camt.054")):
        raise StatementError(f"namespace {p.ns.strip('{}')} is not camt.052/053/054", "Document")
    message = root[0] if len(root) else None
    if message is None:
        raise StatementError("no camt statement or notification found", "Document")
    created = _text(message, "GrpHdr/CreDtTm", p)
    transactions: list[Transaction] = []
    seen: dict[tuple, int] = {}
    entry_no = 0
    for report in message:
        if report.tag not in (p("Stmt"), p("Ntfctn"), p("Rpt")):
            continue
        account = _text(report, "Acct/Id/IBAN", p) or _text(report, "Acct/Id/Othr/Id", p)
        # A booked entry without BookgDt (optional in the schema) is booked by the end of
        # the period the report covers, or when the report was made.
        report_day = _text(report, "FrToDt/ToDtTm", p) or _text(report, "CreDtTm", p) or created
        for ntry in report.findall(p("Ntry")):
            entry_no += 1
            transactions.extend(_entry(ntry, p, entry_no, account, report_day, seen))
    return transactions


def _kids(el) -> dict:
    """An element's children by tag (one pass in C; a repeated tag keeps its last)."""
    return {child.tag: child for child in el} if el is not None else {}


def _val(kids: dict, tag: str) -> str:
    el = kids.get(tag)
    return (el.text or "").strip() if el is not None and el.text else ""


def _amount(text: str | None, where: str) -> Decimal:
    """An amount; the schema allows five decimals, banks pad cents with zeros."""
    value = (text or "").strip()
    if "." in value:
        whole, _dot, fraction = value.partition(".")
        if len(fraction) > 2 and fraction[2:].strip("0") == "":
            value = f"{whole}.{fraction[:2]}"
    return parse_amount(value, where)


def _is_return_code(bk_tx_cd, p: _Paths) -> bool:
    return _text(bk_tx_cd, "Domn/Fmly/SubFmlyCd", p) in RETURN_SUBFAMILIES


def _booked_on(k: dict, p: _Paths, where: str, report_day: str):
    for tag in ("BookgDt", "ValDt"):
        dates = _kids(k.get(p(tag)))
        text = _val(dates, p("Dt")) or _val(dates, p("DtTm"))
        if text:
            return parse_date(text, f"{where}/{tag}")
    if report_day:
        return parse_date(report_day, f"{where}/BookgDt")
    raise StatementError("BookgDt is missing and the statement has no date", f"{where}/BookgDt")


@dataclass(slots=True)
class _Part:
    """One TxDtls of an entry (or the entry itself, without TxDtls) that is money for us."""

    index: int
    where: str
    tk: dict
    credit: bool
    reversal: bool
    returned: bool
    amount: Decimal | None
    size: int  # how many TxDtls the entry has


def _entry(ntry, p: _Paths, entry_no: int, account: str, report_day: str, seen: dict) -> list[Transaction]:
    k = _kids(ntry)
    entry_ref = _val(k, p("AcctSvcrRef")) or _val(k, p("NtryRef"))
    where = f"Ntry #{entry_no}" + (f" ({entry_ref})" if entry_ref else "")
    sts = k.get(p("Sts"))
    status = (_val(_kids(sts), p("Cd")) or (sts.text or "").strip()) if sts is not None else ""
    if status and status != "BOOK":
        return []  # pending or informational entries are not money yet
    indicator = _val(k, p("CdtDbtInd"))
    if indicator not in DIRECTIONS:
        raise StatementError(f"CdtDbtInd is {indicator!r}, expected CRDT or DBIT", f"{where}/CdtDbtInd")
    reversal_flag = _val(k, p("RvslInd")).lower() in ("true", "1")
    amt_el = k.get(p("Amt"))
    if amt_el is None:
        raise StatementError("Amt is missing", f"{where}/Amt")
    entry_amount = _amount(amt_el.text, f"{where}/Amt")
    if entry_amount < 0:
        raise StatementError("amount must be positive (the direction is CdtDbtInd)", f"{where}/Amt")
    currency = amt_el.get("Ccy", "")
    booked_on = _booked_on(k, p, where, report_day)
    if entry_amount == 0:
        return []  # moves no money

    # NtryDtls may repeat (one per batch); each holds TxDtls.
    details = [_kids(tx) for dtls in ntry.findall(p("NtryDtls")) for tx in dtls.findall(p("TxDtls"))]
    batch = len(details) > 1
    entry_is_return = _is_return_code(k.get(p("BkTxCd")), p)
    parts: list[_Part] = []
    all_amounts: list[Decimal | None] = []
    mixed = False
    for index, tk in enumerate(details or [{}], start=1):
        tx_where = f"{where}/TxDtls #{index}" if details else where
        direction = _val(tk, p("CdtDbtInd")) or indicator
        if direction not in DIRECTIONS:
            raise StatementError(f"CdtDbtInd is {direction!r}, expected CRDT or DBIT", f"{tx_where}/CdtDbtInd")
        mixed = mixed or direction != indicator
        amount = _tx_amount(tk, p, tx_where, currency) if batch else entry_amount
        all_amounts.append(amount)
        if amount == 0:
            continue
        returned = p("RtrInf") in tk or entry_is_return or _is_return_code(tk.get(p("BkTxCd")), p)
        undoes = reversal_flag or returned
        credit = direction == "CRDT" and not undoes
        reversal = direction == "DBIT" and undoes
        if credit or reversal:
            parts.append(_Part(index, tx_where, tk, credit, reversal, returned, amount, len(details)))
    if not parts:
        return []

    problem = {}
    if batch:
        credits = [part for part in parts if part.credit]
        if any(part.amount is None for part in credits):
            problem[True] = "batch_unsplit"
        elif credits and indicator == "CRDT" and not mixed and None not in all_amounts:
            if sum(all_amounts, Decimal("0.00")) != entry_amount:
                problem[True] = "batch_total"
        if any(part.amount is None for part in parts if part.reversal):
            problem[False] = "batch_unsplit"

    common = {"booked_on": booked_on, "currency": currency, "statement_account": account}
    result = []
    for credit in (True, False):
        chosen = [part for part in parts if part.credit == credit]
        if not chosen:
            continue
        if credit in problem:
            whole = _whole(chosen, problem[credit], entry_amount, entry_ref, where, k, p, common, seen)
            result.append((chosen[0].index, whole))
            continue
        result += [(part.index, _one(part, batch, entry_ref, k, p, common, seen)) for part in chosen]
    result.sort(key=lambda pair: pair[0])  # the file's order
    return [tx for _index, tx in result]


def _tx_amount(tk: dict, p: _Paths, where: str, currency: str) -> Decimal | None:
    el = tk.get(p("Amt"))
    if el is None:
        el = _find(tk.get(p("AmtDtls")), "TxAmt/Amt", p)
    if el is None or (currency and el.get("Ccy", currency) != currency):
        return None  # not given in the account's currency
    amount = _amount(el.text, f"{where}/Amt")
    if amount < 0:
        raise StatementError("amount must be positive (the direction is CdtDbtInd)", f"{where}/Amt")
    return amount


def _party(parties: dict, role: str, p: _Paths) -> tuple[str, str]:
    el = parties.get(p(role))
    name = (_text(el, "Nm", p) or _text(el, "Pty/Nm", p)) if el is not None else ""
    acct = parties.get(p(f"{role}Acct"))
    return name, _text(acct, "Id/IBAN", p) or _text(acct, "Id/Othr/Id", p)


def _details(part: _Part, k: dict, p: _Paths, batch: bool, account: str) -> dict:
    tk = part.tk
    refs = _kids(tk.get(p("Refs")))
    end_to_end = _val(refs, p("EndToEndId"))
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    rmt = tk.get(p("RmtInf"))
    texts, structured = [], ""
    if rmt is not None:
        texts = [(u.text or "").strip() for u in rmt.findall(p("Ustrd"))]
        for strd in rmt.findall(p("Strd")):
            structured = structured or _text(strd, "CdtrRefInf/Ref", p)
            texts += [(a.text or "").strip() for a in strd.findall(p("AddtlRmtInf"))]
    text = " ".join(t for t in texts if t)
    if not text:
        # A batch's AddtlNtryInf describes the batch, not this payment.
        text = _val(tk, p("AddtlTxInf")) or ("" if batch else _val(k, p("AddtlNtryInf")))
    parties = _kids(tk.get(p("RltdPties")))
    payer_name, payer_iban = _party(parties, "Dbtr", p)
    if part.reversal and (not payer_name or payer_iban == account):
        # A returned transfer may name the original payer as the creditor (we are the debtor).
        name, iban = _party(parties, "Cdtr", p)
        if name or iban:
            payer_name, payer_iban = name, iban
    rtr = tk.get(p("RtrInf"))
    reason = (_text(rtr, "Rsn/Cd", p) or _text(rtr, "Rsn/Prtry", p)) if rtr is not None else ""
    return {
        "refs": refs,
        "end_to_end": end_to_end,
        "text": text,
        "structured": structured,
        "payer_name": payer_name,
        "payer_iban": payer_iban,
        "reason": reason,
    }


def _fallback(content: list[str], amount: Decimal, credit: bool, common: dict, seen: dict, refs=None, p=None) -> str:
    """The identity of a transaction the bank gave no reference for (see the module doc)."""
    ref = ""
    if refs is not None:
        end_to_end = _val(refs, p("EndToEndId"))
        if end_to_end and end_to_end.upper() != "NOTPROVIDED":
            ref = f"E2E:{end_to_end}"
        elif _val(refs, p("TxId")):
            ref = f"TX:{_val(refs, p('TxId'))}"
        elif _val(refs, p("InstrId")):
            ref = f"INSTR:{_val(refs, p('InstrId'))}"
    if not ref:
        digest = hashlib.sha256("\x1f".join(content).encode()).hexdigest()[:24]
        ref = f"H:{digest}"
    occurrence = (ref, common["booked_on"], amount, credit)
    seen[occurrence] = seen.get(occurrence, 0) + 1
    return ref if seen[occurrence] == 1 else f"{ref}#{seen[occurrence]}"


def _content(direction: str, amount: Decimal, common: dict, info: dict, extra: list[str]) -> list[str]:
    return [
        direction,
        f"{common['booked_on']:%Y-%m-%d}",
        str(amount),
        common["currency"],
        info["payer_name"],
        info["payer_iban"],
        info["text"],
        info["structured"],
        *extra,
    ]


def _one(part: _Part, batch: bool, entry_ref: str, k: dict, p: _Paths, common: dict, seen: dict) -> Transaction:
    info = _details(part, k, p, batch, common["statement_account"])
    ref = _val(info["refs"], p("AcctSvcrRef"))
    if not ref and entry_ref:
        ref = f"{entry_ref}/{part.index}" if batch else entry_ref
    if not ref:
        position = [str(part.index), str(part.size), _val(k, p("AddtlNtryInf"))]
        direction = "CRDT" if part.credit else "DBIT"
        ref = _fallback(
            _content(direction, part.amount, common, info, position),
            part.amount,
            part.credit,
            common,
            seen,
            refs=info["refs"],
            p=p,
        )
    return Transaction(
        bank_ref=ref,
        amount=part.amount,
        credit=part.credit,
        reference=info["structured"],
        text=info["text"],
        payer_name=info["payer_name"],
        payer_iban=info["payer_iban"],
        end_to_end_id=info["end_to_end"],
        reversal=part.reversal,
        original_ref=info["end_to_end"],
        where=part.where,
        returned=part.returned,
        return_reason=info["reason"],
        **common,
    )


def _whole(
    parts: list[_Part], problem: str, amount: Decimal, entry_ref: str, where: str, k: dict, p, common, seen
) -> Transaction:
    """A batch that cannot be split: one transaction of the whole entry, for staff."""
    infos = [_details(part, k, p, True, common["statement_account"]) for part in parts]
    credit = parts[0].credit
    text = "; ".join(info["text"] for info in infos if info["text"]) or _val(k, p("AddtlNtryInf"))
    names = {info["payer_name"] for info in infos}
    ibans = {info["payer_iban"] for info in infos}
    merged = {
        "text": text,
        "structured": "",
        "payer_name": names.pop() if len(names) == 1 else "",
        "payer_iban": ibans.pop() if len(ibans) == 1 else "",
    }
    ref = entry_ref
    if not ref:
        content = _content("CRDT" if credit else "DBIT", amount, common, merged, ["batch", str(len(parts))])
        ref = _fallback(content, amount, credit, common, seen)
    reasons = sorted({info["reason"] for info in infos if info["reason"]})
    return Transaction(
        bank_ref=ref,
        amount=amount,
        credit=credit,
        reference="",
        text=text,
        payer_name=merged["payer_name"],
        payer_iban=merged["payer_iban"],
        reversal=not credit,
        where=where,
        returned=any(part.returned for part in parts),
        return_reason=", ".join(reasons),
        problem=problem,
        **common,
    )
