import datetime as dt
from decimal import Decimal

import pytest

from kabinet.lib.statements import (
    RegistryLayout,
    StatementError,
    detect_format,
    parse,
    parse_1c,
    parse_camt,
    parse_fidavista,
    parse_registry,
)
from kabinet.lib.tests.statement_builders import OUR_IBAN, Tx, camt053, camt054, fidavista, onec, registry


def test_it_reads_camt053_credits_with_structured_and_free_text():
    data = camt053(
        [
            Tx("B1", "12.50", structured="RF91100001"),
            Tx("B2", "7.00", text="Rēķins, konts 100002"),
            Tx("B3", "99.00", credit=False, text="our own outgoing payment"),
            Tx("B4", "5.00", status="PDNG"),
        ]
    )
    txs = parse_camt(data)
    assert [t.bank_ref for t in txs] == ["B1", "B2"]
    first = txs[0]
    assert first.amount == Decimal("12.50") and first.credit and first.reference == "RF91100001"
    assert first.booked_on == dt.date(2026, 10, 12) and first.currency == "EUR"
    assert first.payer_name == "Alise Bērziņa" and first.payer_iban == "LV10HABA0551000000001"
    assert first.statement_account == OUR_IBAN
    assert txs[1].text == "Rēķins, konts 100002"


def test_it_reads_camt054_and_older_versions():
    txs = parse_camt(camt054([Tx("N1", "3.10", text="100001")]))
    assert len(txs) == 1 and txs[0].amount == Decimal("3.10")
    txs = parse_camt(camt053([Tx("C2", "1.00")], version="camt.053.001.02"))
    assert txs[0].bank_ref == "C2"


def test_it_marks_reversals_with_the_end_to_end_id():
    txs = parse_camt(camt053([Tx("R1", "12.50", credit=False, reversal=True, e2e="E2E-1")]))
    assert txs[0].reversal and not txs[0].credit and txs[0].original_ref == "E2E-1"


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'><BkToCstmrStmt>", "line 1"),
        (camt053([Tx("B1", "12,5x")]), "Ntry #1 (B1)/Amt"),
        (camt053([Tx("B1", "-3.00")]), "Ntry #1 (B1)/Amt"),
        (camt053([Tx("B1", "3.00", booked="2026-13-01")]), "Ntry #1 (B1)/BookgDt"),
        (camt053([Tx("B1", "3.00")]).replace(b"CRDT", b"CREDIT"), "Ntry #1 (B1)/CdtDbtInd"),
    ],
)
def test_it_refuses_malformed_camt_naming_the_element(data, where):
    with pytest.raises(StatementError) as info:
        parse_camt(data)
    assert info.value.where.startswith(where)


def test_it_reads_fidavista():
    txs = parse_fidavista(
        fidavista(
            [
                Tx("FB1", "20.00", text="RF91100001 ūdens"),
                Tx("FB2", "4.00", credit=False),
                Tx("FB3", "20.00", credit=False, reversal=True, text="RF91100001 ūdens"),
            ]
        )
    )
    assert [(t.bank_ref, t.credit, t.reversal) for t in txs] == [("FB1", True, False), ("FB3", False, True)]
    assert txs[0].statement_account == OUR_IBAN and txs[0].payer_name == "Alise Bērziņa"
    assert txs[0].text == "RF91100001 ūdens"


def test_it_refuses_malformed_fidavista():
    with pytest.raises(StatementError) as info:
        parse_fidavista(fidavista([Tx("FB1", "abc")]))
    assert info.value.where == "TrxSet #1 (FB1)/AccAmt"
    with pytest.raises(StatementError) as info:
        parse_fidavista(b"<FIDAVISTA><Statement><AccountSet>")
    assert info.value.where.startswith("line 1")


@pytest.mark.parametrize("encoding", ["cp1251", "cp866", "utf-8"])
def test_it_reads_1c_in_every_encoding(encoding):
    data = onec(
        [
            {"number": "101", "amount": "1500.00", "purpose": "Оплата за водоснабжение л/с 100001 за 10.2026"},
            {"number": "7", "amount": "300.00", "incoming": False, "purpose": "Оплата поставщику"},
        ],
        encoding=encoding,
    )
    txs = parse_1c(data)
    assert len(txs) == 1
    tx = txs[0]
    assert tx.amount == Decimal("1500.00") and tx.booked_on == dt.date(2026, 10, 12)
    assert "л/с 100001" in tx.text and tx.payer_name == "Иванов Иван Иванович"
    assert tx.bank_ref == "101/20261012/40817810099910004312"


def test_it_refuses_a_cut_1c_file_and_a_bad_amount():
    with pytest.raises(StatementError) as info:
        parse_1c(onec([{"number": "1", "amount": "10.00"}], end=False))
    assert "КонецФайла" in info.value.message
    with pytest.raises(StatementError) as info:
        parse_1c(onec([{"number": "1", "amount": "10,0.0"}]))
    assert info.value.where.startswith("line 15") and "Сумма" in info.value.where
    with pytest.raises(StatementError) as info:
        parse_1c(b"1CClientBank\r\n")
    assert info.value.where == "line 1"


def test_it_reads_a_registry_and_checks_its_summary_line():
    layout = RegistryLayout(name="sber")
    txs = parse_registry(registry([("OP1", "100001", "10.00"), ("OP2", "100002", "5.50")]), layout)
    assert [t.account_hint for t in txs] == ["100001", "100002"]
    assert txs[0].bank_ref == "sber:20261012:OP1" and txs[1].amount == Decimal("5.50")
    with pytest.raises(StatementError) as info:
        parse_registry(registry([("OP1", "100001", "10.00")], count=2), layout)
    assert info.value.where == "line 2 (summary)"
    with pytest.raises(StatementError) as info:
        parse_registry(registry([("OP1", "100001", "10.00")], total="11.00"), layout)
    assert "11.00" in info.value.message
    with pytest.raises(StatementError) as info:
        parse_registry(registry([("OP1", "100001", "10.00")]).replace(b";10.00;", b";1O.00;"), layout)
    assert info.value.where == "line 1, column 10"


def test_it_detects_the_format():
    assert detect_format(camt053([])) == "camt"
    assert detect_format(fidavista([])) == "fidavista"
    assert detect_format(onec([])) == "1c"
    assert detect_format(b"a;b;c") is None
    with pytest.raises(StatementError):
        parse(b"a;b;c")


def test_it_splits_a_batch_entry_into_its_transactions():
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
    data = f"""<?xml version="1.0"?><Document xmlns="{ns}"><BkToCstmrStmt><Stmt>
<Acct><Id><IBAN>{OUR_IBAN}</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">15.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-10-12</Dt></BookgDt>
<AcctSvcrRef>BATCH-1</AcctSvcrRef><NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>
<TxDtls><Refs><EndToEndId>A</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls>
<RmtInf><Ustrd>100001</Ustrd></RmtInf></TxDtls>
<TxDtls><Refs><AcctSvcrRef>BATCH-1-B</AcctSvcrRef><EndToEndId>B</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">5.00</Amt></TxAmt></AmtDtls>
<RmtInf><Ustrd>100002</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>""".encode()
    txs = parse_camt(data)
    assert [(t.bank_ref, t.amount, t.text) for t in txs] == [
        ("BATCH-1/1", Decimal("10.00"), "100001"),
        ("BATCH-1-B", Decimal("5.00"), "100002"),
    ]
