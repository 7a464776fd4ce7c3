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


def _kids(el) -> dict:
    """An element's children by tag (one pass in C; a repeated tag keeps its last)."""
    return {child.tag: child for child in el} if el is not None else {}


def _val(kids: dict, tag: str) -> str:
    el = kids.get(tag)
    return (el.text or "").strip() if el is not None and el.text else ""


def _entry(ntry, p: _Paths, entry_no: int, account: str) -> list[Transaction]:
    t = p
    k = _kids(ntry)
    entry_ref = _val(k, t("AcctSvcrRef")) or _val(k, t("NtryRef"))
    where = f"Ntry #{entry_no}" + (f" ({entry_ref})" if entry_ref else "")
    sts = k.get(t("Sts"))
    status = (_val(_kids(sts), t("Cd")) or (sts.text or "").strip()) if sts is not None else ""
    if status and status != "BOOK":
        return []  # pending or informational entries are not money yet
    indicator = _val(k, t("CdtDbtInd"))
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError(f"CdtDbtInd is {indicator!r}, expected CRDT or DBIT", f"{where}/CdtDbtInd")
    reversal_flag = _val(k, t("RvslInd")).lower() in ("true", "1")
    amt_el = k.get(t("Amt"))
    if amt_el is None:
        raise StatementError("Amt is missing", f"{where}/Amt")
    entry_amount = parse_amount(amt_el.text, f"{where}/Amt")
    if entry_amount <= 0:
        raise StatementError("amount must be positive (the direction is CdtDbtInd)", f"{where}/Amt")
    currency = amt_el.get("Ccy", "")
    booking = _kids(k.get(t("BookgDt")))
    booked_text = _val(booking, t("Dt")) or _val(booking, t("DtTm"))
    if not booked_text:
        raise StatementError("BookgDt is missing", f"{where}/BookgDt")
    booked_on = parse_date(booked_text, f"{where}/BookgDt")

    credit = indicator == "CRDT" and not reversal_flag
    ntry_dtls = k.get(t("NtryDtls"))
    details = ntry_dtls.findall(t("TxDtls")) if ntry_dtls is not None else []
    tx_kids = [_kids(d) for d in details]
    is_return_any = any(t("RtrInf") in kids for kids in tx_kids)
    reversal = indicator == "DBIT" and (reversal_flag or is_return_any)
    if not credit and not reversal:
        return []
    if not details:
        tx_kids = [None]
    result = []
    for index, tk in enumerate(tx_kids, start=1):
        tx_where = f"{where}/TxDtls #{index}" if tk is not None else where
        tk = tk or {}
        amount = entry_amount
        if len(tx_kids) > 1:
            tx_amt = tk.get(t("Amt"))
            if tx_amt is None:
                tx_amt = _find(tk.get(t("AmtDtls")), "TxAmt/Amt", p)
            if tx_amt is None:
                raise StatementError("a batch entry needs Amt per TxDtls", f"{tx_where}/Amt")
            amount = parse_amount(tx_amt.text, f"{tx_where}/Amt")
        refs = _kids(tk.get(t("Refs")))
        ref = _val(refs, t("AcctSvcrRef"))
        if not ref:
            if not entry_ref:
                raise StatementError("AcctSvcrRef (the bank's reference) is missing", f"{tx_where}/Refs")
            ref = entry_ref if len(tx_kids) == 1 else f"{entry_ref}/{index}"
        end_to_end = _val(refs, t("EndToEndId"))
        if end_to_end == "NOTPROVIDED":
            end_to_end = ""
        rmt = tk.get(t("RmtInf"))
        if rmt is not None:
            ustrd = " ".join((u.text or "").strip() for u in rmt.findall(t("Ustrd")))
            structured = _text(rmt, "Strd/CdtrRefInf/Ref", p)
        else:
            ustrd = structured = ""
        if not details:
            ustrd = _val(k, t("AddtlNtryInf"))
        parties = _kids(tk.get(t("RltdPties")))
        debtor = parties.get(t("Dbtr"))
        payer_name = (_text(debtor, "Nm", p) or _text(debtor, "Pty/Nm", p)) if debtor is not None else ""
        payer_iban = _text(parties.get(t("DbtrAcct")), "Id/IBAN", p)
        if reversal and not payer_name:
            # A returned transfer may name the original payer as the creditor.
            payer_name = _text(parties.get(t("Cdtr")), "Nm", p)
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
