"""Statement files for tests and the benchmark, built like the banks build them."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

OUR_IBAN = "LV80BANK0000435195001"


@dataclass
class Tx:
    ref: str
    amount: str
    booked: str = "2026-10-12"
    credit: bool = True
    structured: str = ""
    text: str = ""
    payer: str = "Alise Bērziņa"
    iban: str = "LV10HABA0551000000001"
    e2e: str = ""
    reversal: bool = False
    status: str = "BOOK"


def camt053(txs: list[Tx], *, iban: str = OUR_IBAN, version: str = "camt.053.001.08", ccy: str = "EUR") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}"><BkToCstmrStmt>',
        "<GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-10-13T06:00:00</CreDtTm></GrpHdr>",
        f"<Stmt><Id>STMT-1</Id><Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{ccy}</Ccy></Acct>",
    ]
    parts += [_ntry(tx, ccy) for tx in txs]
    parts.append("</Stmt></BkToCstmrStmt></Document>")
    return "".join(parts).encode()


def camt054(txs: list[Tx], *, iban: str = OUR_IBAN) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>',
        "<GrpHdr><MsgId>NTF-1</MsgId><CreDtTm>2026-10-13T06:00:00</CreDtTm></GrpHdr>",
        f"<Ntfctn><Id>NTF-1</Id><Acct><Id><IBAN>{iban}</IBAN></Id></Acct>",
    ]
    parts += [_ntry(tx, "EUR", sts_code=False) for tx in txs]
    parts.append("</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>")
    return "".join(parts).encode()


def _ntry(tx: Tx, ccy: str, sts_code: bool = True) -> str:
    rmt = ""
    if tx.structured:
        rmt += (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{tx.structured}</Ref></CdtrRefInf></Strd>"
        )
    if tx.text:
        rmt = f"<Ustrd>{escape(tx.text)}</Ustrd>" + rmt
    sts = f"<Sts><Cd>{tx.status}</Cd></Sts>" if sts_code else f"<Sts>{tx.status}</Sts>"
    party = "Dbtr" if tx.credit else "Cdtr"
    return (
        f'<Ntry><Amt Ccy="{ccy}">{tx.amount}</Amt><CdtDbtInd>{"CRDT" if tx.credit else "DBIT"}</CdtDbtInd>'
        + ("<RvslInd>true</RvslInd>" if tx.reversal else "")
        + f"{sts}<BookgDt><Dt>{tx.booked}</Dt></BookgDt><ValDt><Dt>{tx.booked}</Dt></ValDt>"
        + f"<AcctSvcrRef>{tx.ref}</AcctSvcrRef>"
        + "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
        + "<NtryDtls><TxDtls><Refs>"
        + f"<EndToEndId>{tx.e2e or 'NOTPROVIDED'}</EndToEndId></Refs>"
        + f'<Amt Ccy="{ccy}">{tx.amount}</Amt>'
        + f"<RltdPties><{party}><Nm>{escape(tx.payer)}</Nm></{party}>"
        + f"<{party}Acct><Id><IBAN>{tx.iban}</IBAN></Id></{party}Acct></RltdPties>"
        + (f"<RmtInf>{rmt}</RmtInf>" if rmt else "")
        + "</TxDtls></NtryDtls></Ntry>"
    )


def fidavista(txs: list[Tx], *, iban: str = OUR_IBAN) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<FIDAVISTA xmlns="http://bankasoc.lv/fidavista/fidavista0101.xsd">',
        "<Header><Timestamp>20261013060000000</Timestamp><From>HABALV22</From></Header>",
        "<Statement><Period><StartDate>2026-10-01</StartDate><EndDate>2026-10-31</EndDate>"
        "<PrepDate>2026-10-31</PrepDate></Period>",
        f"<AccountSet><AccNo>{iban}</AccNo><CcyStmt><Ccy>EUR</Ccy>",
    ]
    for tx in txs:
        type_code = "RTN" if tx.reversal else ("INP" if tx.credit else "OUTP")
        parts.append(
            f"<TrxSet><TypeCode>{type_code}</TypeCode><TypeName>Maksājums</TypeName>"
            f"<BookDate>{tx.booked}</BookDate><ValueDate>{tx.booked}</ValueDate>"
            f"<BankRef>{tx.ref}</BankRef><DocNo>{tx.ref[-4:]}</DocNo>"
            f"<CorD>{'C' if tx.credit else 'D'}</CorD><AccAmt>{tx.amount}</AccAmt>"
            f"<PmtInfo>{escape(tx.text or tx.structured)}</PmtInfo>"
            f"<CPartySet><AccNo>{tx.iban}</AccNo><AccHolder><Name>{escape(tx.payer)}</Name>"
            f"<LegalId>010101-12345</LegalId></AccHolder><BankCode>HABALV22</BankCode><Ccy>EUR</Ccy>"
            f"<Amt>{tx.amount}</Amt></CPartySet></TrxSet>"
        )
    parts.append("</CcyStmt></AccountSet></Statement></FIDAVISTA>")
    return "".join(parts).encode()


OUR_RS = "40702810833000000123"


def onec(docs: list[dict], *, encoding: str = "cp1251", declare: str | None = None, end: bool = True) -> bytes:
    declare = declare or {"cp1251": "Windows", "cp866": "DOS", "utf-8": "Windows"}[encoding]
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        f"Кодировка={declare}",
        "Отправитель=СберБизнес",
        "ДатаСоздания=13.10.2026",
        "ДатаНачала=01.10.2026",
        "ДатаКонца=13.10.2026",
        f"РасчСчет={OUR_RS}",
        "СекцияРасчСчет",
        "ДатаНачала=01.10.2026",
        "ДатаКонца=13.10.2026",
        f"РасчСчет={OUR_RS}",
        "НачальныйОстаток=1000.00",
        "КонецРасчСчет",
    ]
    for doc in docs:
        incoming = doc.get("incoming", True)
        lines += [
            "СекцияДокумент=Платежное поручение",
            f"Номер={doc['number']}",
            f"Дата={doc.get('date', '12.10.2026')}",
            f"Сумма={doc['amount']}",
            f"ПлательщикСчет={doc.get('payer_account', '40817810099910004312') if incoming else OUR_RS}",
            f"Плательщик1={doc.get('payer', 'Иванов Иван Иванович') if incoming else 'МУП Водоканал'}",
            "ПлательщикИНН=463200000000",
            f"ПолучательСчет={OUR_RS if incoming else '40702810000000000999'}",
            f"Получатель1={'МУП Водоканал' if incoming else 'ООО Поставщик'}",
            "ПолучательИНН=4629011445",
            "ВидОплаты=01",
            f"НазначениеПлатежа={doc.get('purpose', '')}",
        ]
        if incoming:
            lines.append(f"ДатаПоступило={doc.get('received', doc.get('date', '12.10.2026'))}")
        else:
            lines.append(f"ДатаСписано={doc.get('date', '12.10.2026')}")
        lines.append("КонецДокумента")
    if end:
        lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def registry(rows: list[tuple[str, str, str]], *, count: int | None = None, total: str | None = None) -> bytes:
    """Sberbank-like registry: (op_id, account, amount) rows and the '=' summary line."""
    lines = []
    sum_amount = Decimal("0.00")
    for op_id, account, amount in rows:
        commission = (Decimal(amount) * Decimal("0.01")).quantize(Decimal("0.01"))
        credited = Decimal(amount) - commission
        lines.append(
            f"12-10-2026;10:15:00;8606;8606/0001;{op_id};{account};ИВАНОВ И.И.;КУРСК,УЛ.ЛЕНИНА,1-5;102026;"
            f"{amount};{credited};{commission}"
        )
        sum_amount += Decimal(amount)
    lines.append(f"={count if count is not None else len(rows)};{total or sum_amount};0;0")
    return ("\n".join(lines) + "\n").encode("cp1251")


def date(s: str) -> dt.date:
    return dt.date.fromisoformat(s)
