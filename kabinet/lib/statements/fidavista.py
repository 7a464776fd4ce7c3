"""FiDAViSta, the Latvian banks' statement XML (Finanšu datu vienotais standarts).

FIDAVISTA/Statement/AccountSet (AccNo, CcyStmt/Ccy, CcyStmt/TrxSet*). Each TrxSet has
TypeCode, BookDate, BankRef, CorD (C/D), AccAmt, PmtInfo and CPartySet (AccNo,
AccHolder/Name). A debit whose TypeCode is a return/reversal code reverses a credit.
"""

import io
import xml.etree.ElementTree as ET  # nosec B405  # parsed only after xml_without_dtd()

from kabinet.lib.statements.base import StatementError, Transaction, parse_amount, parse_date, xml_without_dtd

REVERSAL_TYPE_CODES = frozenset({"RTN", "RET", "RETP", "REV", "STORNO", "RVSL"})


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(el, name: str) -> str:
    for child in el:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _child(el, name: str):
    for child in el:
        if _local(child.tag) == name:
            return child
    return None


def parse_fidavista(data: bytes) -> list[Transaction]:
    try:
        root = ET.parse(io.BytesIO(xml_without_dtd(data))).getroot()  # nosec B314  # no DTD (base.py)
    except ET.ParseError as exc:
        line, column = exc.position
        raise StatementError(f"malformed XML ({exc})", f"line {line}, column {column}") from exc
    if _local(root.tag).upper() != "FIDAVISTA":
        raise StatementError(f"root element is <{_local(root.tag)}>, expected <FIDAVISTA>", "line 1")
    transactions: list[Transaction] = []
    trx_no = 0
    for statement in (c for c in root if _local(c.tag) == "Statement"):
        for account_set in (c for c in statement if _local(c.tag) == "AccountSet"):
            account = _child_text(account_set, "IBAN") or _child_text(account_set, "AccNo")
            for ccy_stmt in (c for c in account_set if _local(c.tag) == "CcyStmt"):
                currency = _child_text(ccy_stmt, "Ccy")
                for trx in (c for c in ccy_stmt if _local(c.tag) == "TrxSet"):
                    trx_no += 1
                    tx = _trx(trx, trx_no, account, currency)
                    if tx is not None:
                        transactions.append(tx)
    if trx_no == 0 and not any(_local(c.tag) == "Statement" for c in root):
        raise StatementError("no Statement element", "FIDAVISTA")
    return transactions


def _trx(trx, trx_no: int, account: str, currency: str) -> Transaction | None:
    bank_ref = _child_text(trx, "BankRef")
    where = f"TrxSet #{trx_no}" + (f" ({bank_ref})" if bank_ref else "")
    if not bank_ref:
        raise StatementError("BankRef is missing", f"{where}/BankRef")
    cord = _child_text(trx, "CorD").upper()
    if cord not in ("C", "D"):
        raise StatementError(f"CorD is {cord!r}, expected C or D", f"{where}/CorD")
    type_code = _child_text(trx, "TypeCode").upper()
    amount = parse_amount(_child_text(trx, "AccAmt"), f"{where}/AccAmt")
    if amount <= 0:
        raise StatementError("amount must be positive (the direction is CorD)", f"{where}/AccAmt")
    booked_on = parse_date(_child_text(trx, "BookDate"), f"{where}/BookDate")
    reversal = cord == "D" and type_code in REVERSAL_TYPE_CODES
    if cord == "D" and not reversal:
        return None
    party = _child(trx, "CPartySet")
    payer_name = payer_iban = ""
    if party is not None:
        payer_iban = _child_text(party, "AccNo")
        holder = _child(party, "AccHolder")
        if holder is not None:
            payer_name = _child_text(holder, "Name")
    return Transaction(
        bank_ref=bank_ref,
        amount=amount,
        credit=cord == "C",
        booked_on=booked_on,
        currency=currency,
        text=_child_text(trx, "PmtInfo"),
        payer_name=payer_name,
        payer_iban=payer_iban,
        reversal=reversal,
        statement_account=account,
        where=where,
    )
