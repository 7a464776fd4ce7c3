"""camt.052/053/054 read by the standard's own optionality (kabinet.lib.statements.camt)."""

import datetime as dt
import re
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.lib.reference import rf_reference
from kabinet.lib.statements import StatementError, parse, parse_camt
from kabinet.lib.tests.bank_statements import (
    CH_IBAN,
    NL_IBAN,
    RU_ACCOUNT,
    ch_statement,
    lv_statement,
    nl_collection,
    nl_returns,
    ru_statement,
)
from kabinet.lib.tests.statement_builders import Tx, camt053


def test_it_reads_a_statement_whose_returned_direct_debit_has_no_bank_reference():
    txs = parse_camt(nl_returns())
    credit, alice_return, other_return = txs
    # The customer's transfer in the same file is not lost.
    assert (credit.bank_ref, credit.amount, credit.credit, credit.text) == (
        "NL-TRF-99120",
        Decimal("15.00"),
        True,
        "200001",
    )
    # The returned items are identified by their end-to-end id, each with its own amount.
    assert (alice_return.bank_ref, alice_return.amount) == ("E2E:DD-2610-100001", Decimal("30.00"))
    assert alice_return.reversal and alice_return.returned and not alice_return.credit
    assert alice_return.return_reason == "AM04" and alice_return.original_ref == "DD-2610-100001"
    assert alice_return.payer_iban == "NL91RABO0312345678" and alice_return.statement_account == NL_IBAN
    assert (other_return.amount, other_return.return_reason) == (Decimal("12.00"), "MD06")
    # 30.00 + 12.00 = 42.00, the entry's amount.
    assert alice_return.amount + other_return.amount == Decimal("42.00")
    assert alice_return.where == "Ntry #2/TxDtls #1" and other_return.where == "Ntry #2/TxDtls #2"


def test_it_splits_a_direct_debit_collection_into_its_payments():
    txs = parse_camt(nl_collection(alice_ref=rf_reference("100001")))
    assert [(t.bank_ref, t.amount, t.end_to_end_id) for t in txs] == [
        ("NL-COLL-7781/1", Decimal("30.00"), "DD-2610-100001"),
        ("NL-COLL-7781/2", Decimal("15.00"), "DD-2610-200001"),
    ]
    assert txs[0].reference == rf_reference("100001") and txs[0].payer_name == "A. Berzina"
    # A batch's AddtlNtryInf describes the batch, not the payment.
    assert txs[1].text == "" and not txs[1].problem


def test_it_reads_a_swiss_statement_with_references_per_transaction_and_a_storno():
    txs = parse_camt(ch_statement())
    assert [(t.bank_ref, t.amount, t.credit, t.reversal) for t in txs] == [
        ("375204000006A1-01", Decimal("25.00"), True, False),
        ("375204000006A1-02", Decimal("10.50"), True, False),
        ("375204000006B7", Decimal("10.50"), False, True),
    ]
    assert txs[0].reference == "210000000003139471430009017" and txs[0].currency == "CHF"
    assert txs[1].text == "Konto 100001" and txs[2].original_ref == "QR-0002"
    assert not txs[2].returned and txs[0].statement_account == CH_IBAN
    # 25.00 + 10.50 = 35.50 booked; our own outgoing payment of 400.00 is not a payment.
    assert sum(t.amount for t in txs if t.credit) == Decimal("35.50")


def test_it_reads_a_latvian_statement_with_entry_references_and_no_details():
    txs = parse_camt(lv_statement(rf=rf_reference("100001")))
    assert [(t.bank_ref, t.amount, t.credit, t.reversal) for t in txs] == [
        ("2026101500042", Decimal("20.00"), True, False),
        ("2026101500043", Decimal("12.34"), True, False),
        ("2026101500044", Decimal("20.00"), False, True),
    ]
    assert txs[0].text == "Rekins 100002" and txs[0].where == "Ntry #1 (2026101500042)"
    assert txs[1].reference == rf_reference("100001") and txs[1].booked_on == dt.date(2026, 10, 14)
    assert txs[1].payer_name == "Alise Berzina" and txs[1].end_to_end_id == ""


def test_it_reads_a_russian_statement_identified_by_instruction_and_transaction_ids():
    txs = parse_camt(ru_statement())
    assert [(t.bank_ref, t.amount) for t in txs[:2]] == [
        ("INSTR:5523", Decimal("1500.00")),
        ("TX:2026101200777", Decimal("250.00")),
    ]
    assert txs[0].statement_account == RU_ACCOUNT and txs[0].payer_iban == "40817810099910004312"
    assert txs[0].currency == "RUB" and "л/с 100001" in txs[0].text
    # No reference at all and no BookgDt: a content hash, booked on its value date.
    last = txs[2]
    assert last.bank_ref.startswith("H:") and last.booked_on == dt.date(2026, 10, 11)
    assert last.text == "Поступление по реестру л/с 100002" and last.where == "Ntry #3"


def test_it_gives_an_entry_without_references_the_same_identity_in_every_file():
    plain = camt053([Tx("X", "3.00", text="100001", payer="Jānis")]).replace(b"<AcctSvcrRef>X</AcctSvcrRef>", b"")
    alone = parse_camt(plain)[0]
    assert alone.bank_ref.startswith("H:")
    # The same entry in a longer, overlapping statement keeps its identity.
    longer = camt053([Tx("X", "3.00", text="100001", payer="Jānis"), Tx("B9", "8.00", booked="2026-10-13")])
    longer = longer.replace(b"<AcctSvcrRef>X</AcctSvcrRef>", b"")
    assert parse_camt(longer)[0].bank_ref == alone.bank_ref
    # Two identical entries in one file are two payments, numbered by occurrence.
    twice = camt053([Tx("X", "3.00", text="100001", payer="Jānis")] * 2).replace(b"<AcctSvcrRef>X</AcctSvcrRef>", b"")
    assert [t.bank_ref for t in parse_camt(twice)] == [alone.bank_ref, alone.bank_ref + "#2"]
    # Another payer, another identity.
    other = camt053([Tx("X", "3.00", text="100001", payer="Anna")]).replace(b"<AcctSvcrRef>X</AcctSvcrRef>", b"")
    assert parse_camt(other)[0].bank_ref != alone.bank_ref


def _batch(amounts: list[str | None], total: str, *, ref: str = "<AcctSvcrRef>BT-1</AcctSvcrRef>") -> bytes:
    details = "".join(
        "<TxDtls>"
        + (f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>' if amount else "")
        + f"<RmtInf><Ustrd>konts 10000{i}</Ustrd></RmtInf></TxDtls>"
        for i, amount in enumerate(amounts, start=1)
    )
    return f"""<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N</MsgId><CreDtTm>2026-10-12T08:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><IBAN>LV80BANK0000435195001</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><DtTm>2026-10-12T08:00:00</DtTm></BookgDt>{ref}
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><Btch><NbOfTxs>{len(amounts)}</NbOfTxs></Btch>{details}</NtryDtls></Ntry></Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>""".encode()


def test_it_keeps_a_batch_whole_when_its_payments_cannot_be_told_apart():
    # 7.00 + 3.50 = 10.50: split.
    split = parse_camt(_batch(["7.00", "3.50"], "10.50"))
    assert [(t.bank_ref, t.amount, t.problem) for t in split] == [
        ("BT-1/1", Decimal("7.00"), ""),
        ("BT-1/2", Decimal("3.50"), ""),
    ]
    # The second payment's amount is not given: one transaction of the whole 10.50.
    (whole,) = parse_camt(_batch(["7.00", None], "10.50"))
    assert (whole.bank_ref, whole.amount, whole.problem) == ("BT-1", Decimal("10.50"), "batch_unsplit")
    assert whole.where == "Ntry #1 (BT-1)" and whole.text == "konts 100001; konts 100002"
    # 7.00 + 3.00 = 10.00, not the 10.50 booked: kept whole as well.
    (whole,) = parse_camt(_batch(["7.00", "3.00"], "10.50", ref=""))
    assert (whole.amount, whole.problem) == (Decimal("10.50"), "batch_total")
    assert whole.bank_ref.startswith("H:") and whole.where == "Ntry #1"


def test_it_reverses_only_the_returned_item_of_a_debit_batch():
    data = f"""<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04">
<BkToCstmrStmt><GrpHdr><MsgId>S</MsgId><CreDtTm>2026-10-12T08:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>{NL_IBAN}</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">130.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-10-12</Dt></BookgDt>
<AcctSvcrRef>OUT-5</AcctSvcrRef><BkTxCd><Prtry><Cd>BATCH</Cd></Prtry></BkTxCd>
<NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>
<TxDtls><Refs><EndToEndId>SUPPLIER-1</EndToEndId></Refs><Amt Ccy="EUR">100.00</Amt></TxDtls>
<TxDtls><Refs><EndToEndId>DD-9</EndToEndId></Refs><Amt Ccy="EUR">30.00</Amt>
<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>""".encode()
    (returned,) = parse_camt(data)
    # Our own 100.00 to a supplier is not a reversal; the returned 30.00 is.
    assert (returned.bank_ref, returned.amount, returned.reversal) == ("OUT-5/2", Decimal("30.00"), True)
    assert returned.returned and returned.return_reason == "AC04" and returned.original_ref == "DD-9"


def test_it_reads_an_unpaid_direct_debit_code_without_details_as_a_return():
    reversal = b"<RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts>"
    entry = lv_statement().split(reversal)
    assert len(entry) == 2
    # The third entry without RvslInd, booked with the "unpaid direct debit" code.
    after = entry[1].replace(
        b"<Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd>", b"<Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd>", 1
    )
    txs = parse_camt(entry[0] + b"<Sts><Cd>BOOK</Cd></Sts>" + after)
    assert [(t.bank_ref, t.reversal, t.returned) for t in txs if not t.credit] == [("2026101500044", True, True)]


def test_it_books_an_entry_without_dates_on_the_statements_date():
    data = camt053([Tx("B1", "4.00")]).replace(
        b"<BookgDt><Dt>2026-10-12</Dt></BookgDt><ValDt><Dt>2026-10-12</Dt></ValDt>", b""
    )
    assert parse_camt(data)[0].booked_on == dt.date(2026, 10, 13)  # GrpHdr/CreDtTm


def test_it_still_refuses_malformed_xml_and_broken_mandatory_elements():
    with pytest.raises(StatementError) as info:
        parse(nl_returns()[:-40])
    assert info.value.where.startswith("line ")
    with pytest.raises(StatementError) as info:
        parse_camt(nl_returns().replace(b'<Amt Ccy="EUR">42.00</Amt>', b'<Amt Ccy="EUR">4x.00</Amt>'))
    assert info.value.where == "Ntry #2/Amt"


# --- any entry the schema allows ------------------------------------------------------

NAMESPACES = ["camt.053.001.02", "camt.053.001.04", "camt.053.001.08", "camt.054.001.02", "camt.052.001.08"]
TEXT = st.text(alphabet="abcXYZ 0123456789ūžЖл/с.,&<", max_size=24)


def _opt(draw, element: str) -> str:
    return element if draw(st.booleans()) else ""


def _amount_text(cents: int, draw) -> str:
    whole, frac = divmod(cents, 100)
    form = draw(st.sampled_from(["cents", "padded", "bare"]))
    if form == "bare" and frac == 0:
        return str(whole)
    return f"{whole}.{frac:02d}" + ("000" if form == "padded" else "")


@st.composite
def entries(draw, version: str, number: int):
    """One booked Ntry of `version`, its optional elements present or not. Returns the
    XML and what the entry is: direction, whether it undoes a credit, its amount."""
    modern = not version.endswith(".02") and not version.endswith(".04")
    direction = draw(st.sampled_from(["CRDT", "DBIT"]))
    reversal = draw(st.sampled_from(["", "true", "false"]))
    subfamily = draw(st.sampled_from(["ESCT", "ESDD", "DMCT"] + (["UPDD", "RRTN"] if direction == "DBIT" else [])))
    n_details = draw(st.integers(min_value=0, max_value=4))
    cents = [draw(st.integers(min_value=1, max_value=500_000)) for _ in range(max(n_details, 1))]
    per_tx = draw(st.sampled_from(["Amt", "TxAmt", "none"] if version.endswith((".04", ".08")) else ["TxAmt", "none"]))
    total = sum(cents) if draw(st.integers(0, 9)) else sum(cents) + 1
    details = []
    returned_any = False
    for i in range(n_details):
        refs = "".join(
            [
                _opt(draw, f"<AcctSvcrRef>TX-{number}-{i}</AcctSvcrRef>"),
                _opt(draw, f"<InstrId>{draw(st.sampled_from(['I1', 'I2']))}</InstrId>"),
                _opt(draw, f"<EndToEndId>{draw(st.sampled_from(['NOTPROVIDED', 'E1', 'E2']))}</EndToEndId>"),
                _opt(draw, f"<TxId>{draw(st.sampled_from(['T1', 'T2']))}</TxId>"),
            ]
        )
        amount = _amount_text(cents[i], draw)
        amt = {
            "Amt": f'<Amt Ccy="EUR">{amount}</Amt>',
            "TxAmt": f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>',
            "none": "",
        }[per_tx]
        name = escape(draw(TEXT))
        party = f"<Pty><Nm>{name}</Nm></Pty>" if modern else f"<Nm>{name}</Nm>"
        parties = _opt(
            draw,
            f"<RltdPties><Dbtr>{party}</Dbtr>"
            + _opt(draw, "<DbtrAcct><Id><IBAN>LV10HABA0551000000001</IBAN></Id></DbtrAcct>")
            + "</RltdPties>",
        )
        rmt = _opt(
            draw,
            "<RmtInf>"
            + "".join(f"<Ustrd>{escape(draw(TEXT))}</Ustrd>" for _ in range(draw(st.integers(0, 2))))
            + _opt(draw, f"<Strd><CdtrRefInf><Ref>{rf_reference('100001')}</Ref></CdtrRefInf></Strd>")
            + "</RmtInf>",
        )
        rtr = ""
        if direction == "DBIT" and draw(st.booleans()):
            rtr = "<RtrInf>" + _opt(draw, "<Rsn><Cd>AM04</Cd></Rsn>") + "</RtrInf>"
            returned_any = True
        details.append(
            "<TxDtls>"
            + (f"<Refs>{refs}</Refs>" if refs else "")
            + amt
            + parties
            + rmt
            + rtr
            + _opt(draw, f"<AddtlTxInf>{escape(draw(TEXT))}</AddtlTxInf>")
            + "</TxDtls>"
        )
    status = "<Sts><Cd>BOOK</Cd></Sts>" if modern else _opt(draw, "<Sts>BOOK</Sts>")
    day = draw(st.integers(min_value=1, max_value=28))
    booking = draw(st.sampled_from(["Dt", "DtTm", "none"]))
    booked = {
        "Dt": f"<BookgDt><Dt>2026-10-{day:02d}</Dt></BookgDt>",
        "DtTm": f"<BookgDt><DtTm>2026-10-{day:02d}T10:00:00</DtTm></BookgDt>",
        "none": "",
    }[booking]
    ntry_dtls = ""
    if details:
        batch = _opt(draw, f"<Btch><NbOfTxs>{n_details}</NbOfTxs></Btch>")
        ntry_dtls = f"<NtryDtls>{batch}{''.join(details)}</NtryDtls>"
    xml = (
        "<Ntry>"
        + _opt(draw, f"<NtryRef>NR-{number}</NtryRef>")
        + f'<Amt Ccy="EUR">{_amount_text(total, draw)}</Amt><CdtDbtInd>{direction}</CdtDbtInd>'
        + (f"<RvslInd>{reversal}</RvslInd>" if reversal else "")
        + status
        + booked
        + _opt(draw, f"<ValDt><Dt>2026-10-{day:02d}</Dt></ValDt>")
        + _opt(draw, f"<AcctSvcrRef>AR-{number}</AcctSvcrRef>")
        + f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>{subfamily}</SubFmlyCd></Fmly></Domn></BkTxCd>"
        + ntry_dtls
        + _opt(draw, f"<AddtlNtryInf>{escape(draw(TEXT))}</AddtlNtryInf>")
        + "</Ntry>"
    )
    undoes = reversal == "true" or returned_any or subfamily in ("UPDD", "RRTN")
    return xml, direction, undoes, Decimal(total) / 100


@st.composite
def statements(draw):
    version = draw(st.sampled_from(NAMESPACES))
    count = draw(st.integers(min_value=1, max_value=6))
    made = [draw(entries(version, number)) for number in range(1, count + 1)]
    return version, made


def _document(version: str, xml_entries: list[str]) -> bytes:
    report = {"camt.053": "Stmt", "camt.054": "Ntfctn", "camt.052": "Rpt"}[version[:8]]
    message = {"camt.053": "BkToCstmrStmt", "camt.054": "BkToCstmrDbtCdtNtfctn", "camt.052": "BkToCstmrAcctRpt"}[
        version[:8]
    ]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}">'
        f"<{message}><GrpHdr><MsgId>P</MsgId><CreDtTm>2026-10-29T06:00:00</CreDtTm></GrpHdr>"
        f"<{report}><Id>P1</Id><Acct><Id><IBAN>LV80BANK0000435195001</IBAN></Id></Acct>"
        + "".join(xml_entries)
        + f"</{report}></{message}></Document>"
    ).encode()


ENTRY_NO = re.compile(r"^Ntry #(\d+)(?:$|[ /])")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements())
def test_it_imports_any_entry_the_schema_allows_or_reports_it_with_its_position(statement):
    version, made = statement
    txs = parse_camt(_document(version, [xml for xml, *_ in made]))  # never refuses the file
    by_entry: dict[int, list] = {}
    for tx in txs:
        match = ENTRY_NO.match(tx.where)
        assert match, tx.where  # every transaction names its entry
        by_entry.setdefault(int(match.group(1)), []).append(tx)
        assert tx.amount > 0 and tx.bank_ref
    for number, (_xml, direction, undoes, total) in enumerate(made, start=1):
        got = by_entry.get(number, [])
        if direction == "CRDT" and not undoes:
            # All the money of a credit is imported: split exactly, or whole for staff.
            assert all(tx.credit for tx in got)
            assert sum(tx.amount for tx in got) == total
            assert all(not tx.problem for tx in got) or len(got) == 1
        elif direction == "DBIT" and undoes:
            assert got and all(tx.reversal for tx in got)  # shown to staff, never dropped
        else:
            assert not any(tx.credit for tx in got)  # our own debits are not payments
    # No two payments of one file share an identity (a repeated import would drop one).
    keys = [(tx.statement_account, tx.bank_ref, tx.booked_on, tx.amount, tx.credit) for tx in txs]
    assert len(keys) == len(set(keys))
    # The identities do not depend on what follows: an overlapping statement that ends
    # earlier gives its entries the same identities.
    cut = len(made) // 2
    if cut:
        first = parse_camt(_document(version, [xml for xml, *_ in made[:cut]]))
        assert [tx.bank_ref for tx in first] == [tx.bank_ref for tx in txs[: len(first)]]
