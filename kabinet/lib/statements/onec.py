"""1CClientBankExchange: the Russian banks' text exchange format.

The first line is exactly `1CClientBankExchange`; then `Key=Value` lines. The file says
its encoding (`Кодировка=Windows` = cp1251, `DOS` = cp866); UTF-8 files are seen too.
Documents (`СекцияДокумент=…` … `КонецДокумента`) whose payee account is ours (or that
have `ДатаПоступило`) are credits; the account number is written in `НазначениеПлатежа`.
1C has no bank reference: the key is the document number, date and payer's account.
"""

from kabinet.lib.statements.base import StatementError, Transaction, parse_amount, parse_date

DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")


def decode_1c(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if "Кодировка".encode() in data[:2048]:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StatementError("the file says UTF-8 but is not valid UTF-8", f"byte {exc.start}") from exc
    if "Кодировка=DOS".encode("cp866") in data[:2048]:
        return data.decode("cp866", errors="replace")
    if "Кодировка=Windows".encode("cp1251") in data[:2048]:
        return data.decode("cp1251", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def parse_1c(data: bytes) -> list[Transaction]:
    text = decode_1c(data)
    lines = text.splitlines()
    if not lines or lines[0].strip() != "1CClientBankExchange":
        raise StatementError("the first line must be 1CClientBankExchange", "line 1")
    our_accounts: set[str] = set()
    header: dict[str, str] = {}
    transactions: list[Transaction] = []
    doc: dict[str, str] | None = None
    doc_line = 0
    section = None
    ended = False
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        if ended:
            raise StatementError("text after КонецФайла", f"line {number}")
        if line == "КонецФайла":
            if doc is not None:
                raise StatementError("КонецФайла inside a document (КонецДокумента missing)", f"line {number}")
            ended = True
            continue
        if line == "КонецДокумента":
            if doc is None:
                raise StatementError("КонецДокумента without СекцияДокумент", f"line {number}")
            tx = _document(doc, doc_line, our_accounts)
            if tx is not None:
                transactions.append(tx)
            doc = None
            continue
        if line == "КонецРасчСчет":
            section = None
            continue
        if line == "СекцияРасчСчет":
            section = {}
            continue
        if "=" not in line:
            raise StatementError(f"expected Key=Value, got {line[:40]!r}", f"line {number}")
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        if key == "СекцияДокумент":
            if doc is not None:
                raise StatementError("a new document before КонецДокумента", f"line {number}")
            doc = {"_kind": value}
            doc_line = number
        elif doc is not None:
            doc[key] = value
        elif key == "РасчСчет":
            our_accounts.add(value)
            if section is None:
                header[key] = value
        else:
            header[key] = value
    if doc is not None:
        raise StatementError("the last document has no КонецДокумента", f"line {doc_line}")
    if not ended:
        raise StatementError("КонецФайла is missing (the file is cut short)", f"line {len(lines)}")
    return transactions


def _document(doc: dict[str, str], line: int, our_accounts: set[str]) -> Transaction | None:
    where = f"line {line}"
    payee_account = doc.get("ПолучательСчет") or doc.get("ПолучательРасчСчет", "")
    payer_account = doc.get("ПлательщикСчет") or doc.get("ПлательщикРасчСчет", "")
    if our_accounts:
        credit = payee_account in our_accounts
        if not credit and payer_account not in our_accounts:
            credit = bool(doc.get("ДатаПоступило"))
    else:
        credit = bool(doc.get("ДатаПоступило"))
    if not credit:
        return None  # our own outgoing payment
    number = doc.get("Номер", "")
    if not number:
        raise StatementError("Номер (document number) is missing", where)
    date_text = doc.get("Дата", "")
    if not date_text:
        raise StatementError("Дата is missing", where)
    doc_date = parse_date(date_text, f"{where} (Дата)", DATE_FORMATS)
    received = doc.get("ДатаПоступило") or date_text
    booked_on = parse_date(received, f"{where} (ДатаПоступило)", DATE_FORMATS)
    amount = parse_amount(doc.get("Сумма"), f"{where} (Сумма)")
    if amount <= 0:
        raise StatementError("Сумма must be positive", f"{where} (Сумма)")
    purpose = doc.get("НазначениеПлатежа", "")
    for extra in ("НазначениеПлатежа1", "НазначениеПлатежа2", "НазначениеПлатежа3"):
        if doc.get(extra):
            purpose += " " + doc[extra]
    return Transaction(
        bank_ref=f"{number}/{doc_date:%Y%m%d}/{payer_account}",
        amount=amount,
        credit=True,
        booked_on=booked_on,
        currency="RUB",
        reference=doc.get("Код", "") if doc.get("Код", "") not in ("", "0") else "",
        text=purpose,
        payer_name=doc.get("Плательщик1") or doc.get("Плательщик", ""),
        payer_iban=payer_account,
        statement_account=payee_account,
        where=where,
    )
