"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification), any version.

Booked entries only. A credit is a payment; a debit marked as a reversal (RvslInd) or
carrying return information (RtrInf) reverses an earlier credit. Other debits (our own
outgoing payments) are not payments and are skipped. An entry with several TxDtls (a
batch) gives one transaction per TxDtls.
"""

import xml.etree.ElementTree as ET

from kabinet.lib.statements.base import StatementError, Transaction, parse_amount, parse_date


class _Paths:
    """Namespaced tags. Paths are walked one child at a time: a single-tag find() runs
    in C, a multi-step path goes through ElementPath in Python (several times slower)."""

    def __init__(self, ns: str):
        self.ns = ns
        self._cache: dict[str, tuple[str, ...]] = {}

    def steps(self, path: str) -> tuple[str, ...]:
        cached = self._cache.get(path)
        if cached is None:
            cached = tuple(f"{self.ns}{part}" for part in path.split("/"))
            self._cache[path] = cached
        return cached

    def __call__(self, path: str) -> str:
        return "/".join(self.steps(path))


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
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise StatementError(f"malformed XML ({exc})", f"line {line}, column {column}") from exc
    tag = root.tag
    local = tag.rsplit("}", 1)[-1]
    if local != "Document":
        raise StatementError(f"root element is <{local}>, expected <Document>", "line 1")
    p = _Paths(tag[: -len("Document")])
    if p.ns and not any(kind in p.ns for kind in ("camt.052", "camt.053", "camt.054")):
        raise StatementError(f"namespace {p.ns.strip('{}')} is not camt.053/054", "Document")
    message = root[0] if len(root) else None
    if message is None:
        raise StatementError("no camt statement or notification found", "Document")
    transactions: list[Transaction] = []
    entry_no = 0
    for report in message:
        if report.tag not in (p("Stmt"), p("Ntfctn"), p("Rpt")):
            continue
        account = _text(report, "Acct/Id/IBAN", p) or _text(report, "Acct/Id/Othr/Id", p)
        for ntry in report.iterfind(p("Ntry")):
            entry_no += 1
            transactions.extend(_entry(ntry, p, entry_no, account))
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
    amt_el = _find(ntry, "Amt", p)
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
    ntry_dtls = _find(ntry, "NtryDtls", p)
    details = ntry_dtls.findall(p("TxDtls")) if ntry_dtls is not None else []
    is_return_any = any(_find(d, "RtrInf", p) is not None for d in details)
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
            tx_amt = _find(tx, "Amt", p)
            if tx_amt is None:
                tx_amt = _find(tx, "AmtDtls/TxAmt/Amt", p)
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
        rmt = _find(tx, "RmtInf", p)
        ustrd = " ".join((u.text or "").strip() for u in rmt.findall(p("Ustrd"))) if rmt is not None else ""
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
