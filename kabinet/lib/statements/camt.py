"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification), any version.

Booked entries only. A credit is a payment; a debit marked as a reversal (RvslInd) or
carrying return information (RtrInf) reverses an earlier credit. Other debits (our own
outgoing payments) are not payments and are skipped. An entry with several TxDtls (a
batch) gives one transaction per TxDtls.
"""

import io
import xml.etree.ElementTree as ET

from kabinet.lib.statements.base import StatementError, Transaction, parse_amount, parse_date


class _Paths:
    def __init__(self, ns: str):
        self.ns = ns
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        cached = self._cache.get(path)
        if cached is None:
            cached = "/".join(f"{self.ns}{part}" for part in path.split("/")) if self.ns else path
            self._cache[path] = cached
        return cached


def _text(el, path: str, p: _Paths) -> str:
    if el is None:
        return ""
    found = el.find(p(path))
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_camt(data: bytes) -> list[Transaction]:
    transactions: list[Transaction] = []
    p: _Paths | None = None
    account = ""
    kind = ""
    entry_no = 0
    try:
        for event, el in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            tag = el.tag
            local = tag.rsplit("}", 1)[-1]
            if event == "start":
                if p is None:
                    if local != "Document":
                        raise StatementError(f"root element is <{local}>, expected <Document>", "line 1")
                    p = _Paths(tag[: -len("Document")])
                    ns = p.ns
                    if "camt.053" in ns or "camt.054" in ns or "camt.052" in ns:
                        kind = ns
                    elif ns:
                        raise StatementError(f"namespace {ns.strip('{}')} is not camt.053/054", "Document")
                continue
            if local == "Acct" and not account and p is not None:
                account = _text(el, "Id/IBAN", p) or _text(el, "Id/Othr/Id", p)
            elif local == "Ntry":
                entry_no += 1
                transactions.extend(_entry(el, p, entry_no, account))
                el.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        raise StatementError(
            f"malformed XML ({exc.msg if hasattr(exc, 'msg') else exc})", f"line {line}, column {column}"
        ) from exc
    if p is None:
        raise StatementError("empty file", "line 1")
    if not kind and entry_no == 0:
        raise StatementError("no camt statement or notification found", "Document")
    return transactions


def _entry(ntry, p: _Paths, entry_no: int, account: str) -> list[Transaction]:
    entry_ref = _text(ntry, "AcctSvcrRef", p) or _text(ntry, "NtryRef", p)
    where = f"Ntry #{entry_no}" + (f" ({entry_ref})" if entry_ref else "")
    status = _text(ntry, "Sts/Cd", p) or _text(ntry, "Sts", p)
    if status and status != "BOOK":
        return []  # pending or informational entries are not money yet
    indicator = _text(ntry, "CdtDbtInd", p)
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError(f"CdtDbtInd is {indicator!r}, expected CRDT or DBIT", f"{where}/CdtDbtInd")
    reversal_flag = _text(ntry, "RvslInd", p).lower() in ("true", "1")
    amt_el = ntry.find(p("Amt"))
    if amt_el is None:
        raise StatementError("Amt is missing", f"{where}/Amt")
    entry_amount = parse_amount(amt_el.text, f"{where}/Amt")
    if entry_amount <= 0:
        raise StatementError("amount must be positive (the direction is CdtDbtInd)", f"{where}/Amt")
    currency = amt_el.get("Ccy", "")
    booked_text = _text(ntry, "BookgDt/Dt", p) or _text(ntry, "BookgDt/DtTm", p)
    if not booked_text:
        raise StatementError("BookgDt is missing", f"{where}/BookgDt")
    booked_on = parse_date(booked_text, f"{where}/BookgDt")

    credit = indicator == "CRDT" and not reversal_flag
    details = ntry.findall(p("NtryDtls/TxDtls"))
    is_return_any = any(d.find(p("RtrInf")) is not None for d in details)
    reversal = indicator == "DBIT" and (reversal_flag or is_return_any)
    if not credit and not reversal:
        return []
    if not details:
        details = [None]
    result = []
    for index, tx in enumerate(details, start=1):
        tx_where = f"{where}/TxDtls #{index}" if tx is not None else where
        amount = entry_amount
        if tx is not None and len(details) > 1:
            tx_amt = tx.find(p("Amt"))
            if tx_amt is None:
                tx_amt = tx.find(p("AmtDtls/TxAmt/Amt"))
            if tx_amt is None:
                raise StatementError("a batch entry needs Amt per TxDtls", f"{tx_where}/Amt")
            amount = parse_amount(tx_amt.text, f"{tx_where}/Amt")
        ref = _text(tx, "Refs/AcctSvcrRef", p)
        if not ref:
            if not entry_ref:
                raise StatementError("AcctSvcrRef (the bank's reference) is missing", f"{tx_where}/Refs")
            ref = entry_ref if len(details) == 1 else f"{entry_ref}/{index}"
        end_to_end = _text(tx, "Refs/EndToEndId", p)
        if end_to_end == "NOTPROVIDED":
            end_to_end = ""
        ustrd = " ".join((u.text or "").strip() for u in tx.iterfind(p("RmtInf/Ustrd"))) if tx is not None else ""
        if tx is None:
            ustrd = _text(ntry, "AddtlNtryInf", p)
        structured = _text(tx, "RmtInf/Strd/CdtrRefInf/Ref", p)
        payer_name = _text(tx, "RltdPties/Dbtr/Nm", p) or _text(tx, "RltdPties/Dbtr/Pty/Nm", p)
        payer_iban = _text(tx, "RltdPties/DbtrAcct/Id/IBAN", p)
        if reversal:
            # The returned transfer's payer is still the Dbtr of the original.
            payer_name = payer_name or _text(tx, "RltdPties/Cdtr/Nm", p)
        result.append(
            Transaction(
                bank_ref=ref,
                amount=amount,
                credit=credit,
                booked_on=booked_on,
                currency=currency,
                reference=structured,
                text=ustrd,
                payer_name=payer_name,
                payer_iban=payer_iban,
                end_to_end_id=end_to_end,
                reversal=reversal,
                original_ref=end_to_end,
                statement_account=account,
                where=tx_where,
            )
        )
    return result
