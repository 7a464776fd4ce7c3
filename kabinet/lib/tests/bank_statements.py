"""camt files in the shapes real banks send, written by hand for the tests.

Each function returns one statement as its bank lays it out: a Dutch bank's camt.053.001.02
(SEPA direct-debit collections and their returns), a Swiss bank's camt.053.001.04 (QR
references, batch bookings with TxDtls/Amt, a Storno), a Latvian bank's camt.053.001.08
(NtryRef instead of AcctSvcrRef, entries without NtryDtls) and a Russian bank's
camt.053.001.02 for a RUB settlement account (no IBAN, only InstrId/TxId).
The amounts in each docstring are what the tests expect.
"""

NL_IBAN = "NL63ABNA0417164300"
CH_IBAN = "CH5604835012345678009"
LV_IBAN = "LV80BANK0000435195001"
RU_ACCOUNT = "40702810833000000123"

_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{ns}">'


def _doc(ns: str, body: str) -> bytes:
    return (_HEAD.format(ns=ns) + body + "</Document>").encode()


def nl_collection(*, e2e_alice: str = "DD-2610-100001", alice_ref: str = "", bob_ref: str = "") -> bytes:
    """Dutch camt.053.001.02: one CRDT batch of two collected direct debits, booked as
    one entry of 45.00: alice 30.00 (E2E `e2e_alice`) + bob 15.00."""
    return _doc(
        "camt.053.001.02",
        f"""<BkToCstmrStmt>
  <GrpHdr><MsgId>ABN-053-20261012</MsgId><CreDtTm>2026-10-12T21:04:11+02:00</CreDtTm>
    <MsgPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></MsgPgntn></GrpHdr>
  <Stmt>
    <Id>0417164300-20261012</Id><ElctrncSeqNb>285</ElctrncSeqNb><CreDtTm>2026-10-12T21:04:11+02:00</CreDtTm>
    <Acct><Id><IBAN>{NL_IBAN}</IBAN></Id><Ccy>EUR</Ccy><Svcr><FinInstnId><BIC>ABNANL2A</BIC></FinInstnId></Svcr></Acct>
    <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <Dt><Dt>2026-10-12</Dt></Dt></Bal>
    <Ntry>
      <Amt Ccy="EUR">45.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-10-12</Dt></BookgDt><ValDt><Dt>2026-10-12</Dt></ValDt>
      <AcctSvcrRef>NL-COLL-7781</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>ESDD</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls>
        <Btch><PmtInfId>COLL-2610</PmtInfId><NbOfTxs>2</NbOfTxs></Btch>
        <TxDtls>
          <Refs><EndToEndId>{e2e_alice}</EndToEndId><MndtId>MANDATE-100001</MndtId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="EUR">30.00</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>A. Berzina</Nm></Dbtr><DbtrAcct><Id><IBAN>NL91RABO0312345678</IBAN></Id></DbtrAcct>
            <Cdtr><Nm>Pilsetas udens</Nm></Cdtr></RltdPties>
          <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>
            <Ref>{alice_ref}</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls>
        <TxDtls>
          <Refs><EndToEndId>DD-2610-200001</EndToEndId><MndtId>MANDATE-200001</MndtId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="EUR">15.00</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>B. Ivanovs</Nm></Dbtr><DbtrAcct><Id><IBAN>NL20INGB0001234567</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>
            <Ref>{bob_ref}</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls>
      </NtryDtls>
      <AddtlNtryInf>SEPA Incasso batch COLL-2610 2 posten</AddtlNtryInf>
    </Ntry>
  </Stmt>
</BkToCstmrStmt>""",
    )


def nl_returns(*, e2e_alice: str = "DD-2610-100001", bob_text: str = "200001") -> bytes:
    """Dutch camt.053.001.02 two days later: a customer's transfer of 15.00 (text
    `bob_text`, with the bank's reference), and a DBIT batch of two returned direct
    debits WITHOUT AcctSvcrRef anywhere: alice's 30.00 (AM04, E2E `e2e_alice`) and
    another customer's 12.00 (MD06) that this system never registered. Entry: 42.00."""
    return _doc(
        "camt.053.001.02",
        f"""<BkToCstmrStmt>
  <GrpHdr><MsgId>ABN-053-20261014</MsgId><CreDtTm>2026-10-14T21:03:52+02:00</CreDtTm></GrpHdr>
  <Stmt>
    <Id>0417164300-20261014</Id><CreDtTm>2026-10-14T21:03:52+02:00</CreDtTm>
    <Acct><Id><IBAN>{NL_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>
    <Ntry>
      <Amt Ccy="EUR">15.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-10-14</Dt></BookgDt><ValDt><Dt>2026-10-14</Dt></ValDt>
      <AcctSvcrRef>NL-TRF-99120</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls><TxDtls>
        <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
        <AmtDtls><TxAmt><Amt Ccy="EUR">15.00</Amt></TxAmt></AmtDtls>
        <RltdPties><Dbtr><Nm>B. Ivanovs</Nm></Dbtr><DbtrAcct><Id><IBAN>NL20INGB0001234567</IBAN></Id></DbtrAcct>
        </RltdPties>
        <RmtInf><Ustrd>{bob_text}</Ustrd></RmtInf>
      </TxDtls></NtryDtls>
    </Ntry>
    <Ntry>
      <Amt Ccy="EUR">42.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-10-14</Dt></BookgDt><ValDt><Dt>2026-10-14</Dt></ValDt>
      <BkTxCd><Prtry><Cd>N654</Cd><Issr>ABNAMRO</Issr></Prtry></BkTxCd>
      <NtryDtls>
        <Btch><NbOfTxs>2</NbOfTxs></Btch>
        <TxDtls>
          <Refs><EndToEndId>{e2e_alice}</EndToEndId><MndtId>MANDATE-100001</MndtId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="EUR">30.00</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>A. Berzina</Nm></Dbtr><DbtrAcct><Id><IBAN>NL91RABO0312345678</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RtrInf><Rsn><Cd>AM04</Cd></Rsn><AddtlInf>Onvoldoende saldo</AddtlInf></RtrInf>
        </TxDtls>
        <TxDtls>
          <Refs><EndToEndId>DD-2609-300001</EndToEndId></Refs>
          <AmtDtls><TxAmt><Amt Ccy="EUR">12.00</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>J. Kalnins</Nm></Dbtr><DbtrAcct><Id><IBAN>NL02ABNA0123456789</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf>
        </TxDtls>
      </NtryDtls>
    </Ntry>
  </Stmt>
</BkToCstmrStmt>""",
    )


def ch_statement(*, alice_text: str = "Konto 100001", ccy: str = "CHF") -> bytes:
    """Swiss camt.053.001.04: a QR-bill batch of 2 credits (25.00 with a QR reference,
    10.50 with `alice_text`) booked as 35.50, each with its own Refs/AcctSvcrRef and
    TxDtls/Amt; then a Storno (DBIT, RvslInd) of 10.50 with the credit's EndToEndId;
    then one of our own outgoing payments (DBIT, not a payment)."""
    return _doc(
        "camt.053.001.04",
        f"""<BkToCstmrStmt>
  <GrpHdr><MsgId>20261013375204000006</MsgId><CreDtTm>2026-10-13T20:00:00+02:00</CreDtTm></GrpHdr>
  <Stmt>
    <Id>20261013375204000006-1</Id><CreDtTm>2026-10-13T20:00:00+02:00</CreDtTm>
    <FrToDt><FrDtTm>2026-10-13T00:00:00+02:00</FrDtTm><ToDtTm>2026-10-13T23:59:59+02:00</ToDtTm></FrToDt>
    <Acct><Id><IBAN>{CH_IBAN}</IBAN></Id><Ccy>{ccy}</Ccy></Acct>
    <Ntry>
      <NtryRef>CH-ESR-1</NtryRef>
      <Amt Ccy="{ccy}">35.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-10-13</Dt></BookgDt><ValDt><Dt>2026-10-13</Dt></ValDt>
      <AcctSvcrRef>375204000006A1</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>VCOM</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls>
        <Btch><NbOfTxs>2</NbOfTxs><TtlAmt Ccy="{ccy}">35.50</TtlAmt><CdtDbtInd>CRDT</CdtDbtInd></Btch>
        <TxDtls>
          <Refs><AcctSvcrRef>375204000006A1-01</AcctSvcrRef><EndToEndId>QR-0001</EndToEndId></Refs>
          <Amt Ccy="{ccy}">25.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
          <RltdPties><Dbtr><Nm>Muster AG</Nm></Dbtr><DbtrAcct><Id><IBAN>CH9300762011623852957</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Prtry>QRR</Prtry></CdOrPrtry></Tp>
            <Ref>210000000003139471430009017</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls>
        <TxDtls>
          <Refs><AcctSvcrRef>375204000006A1-02</AcctSvcrRef><EndToEndId>QR-0002</EndToEndId></Refs>
          <Amt Ccy="{ccy}">10.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>
          <RltdPties><Dbtr><Nm>Alice Berzina</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>{alice_text}</Ustrd></RmtInf>
        </TxDtls>
      </NtryDtls>
    </Ntry>
    <Ntry>
      <Amt Ccy="{ccy}">10.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-10-13</Dt></BookgDt><ValDt><Dt>2026-10-13</Dt></ValDt>
      <AcctSvcrRef>375204000006B7</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>VCOM</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls><TxDtls>
        <Refs><EndToEndId>QR-0002</EndToEndId></Refs>
        <Amt Ccy="{ccy}">10.50</Amt><CdtDbtInd>DBIT</CdtDbtInd>
      </TxDtls></NtryDtls>
      <AddtlNtryInf>Storno Gutschrift QR-0002</AddtlNtryInf>
    </Ntry>
    <Ntry>
      <Amt Ccy="{ccy}">400.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-10-13</Dt></BookgDt>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <AddtlNtryInf>Zahlung an Lieferant</AddtlNtryInf>
    </Ntry>
  </Stmt>
</BkToCstmrStmt>""",
    )


def lv_statement(*, rf: str = "RF69100001", text: str = "Rekins 100002") -> bytes:
    """Latvian camt.053.001.08: entries with NtryRef but no AcctSvcrRef and no NtryDtls
    (the text is AddtlNtryInf): 20.00 with `text`; 12.34 with the RF reference `rf` in
    Strd; a reversal (DBIT, RvslInd) of 20.00 without details; a pending 5.00."""
    return _doc(
        "camt.053.001.08",
        f"""<BkToCstmrStmt>
  <GrpHdr><MsgId>HABALV22-20261015</MsgId><CreDtTm>2026-10-15T06:30:00</CreDtTm></GrpHdr>
  <Stmt>
    <Id>LV-2026-10-15</Id><CreDtTm>2026-10-15T06:30:00</CreDtTm>
    <Acct><Id><IBAN>{LV_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>
    <Ntry>
      <NtryRef>2026101500042</NtryRef>
      <Amt Ccy="EUR">20.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
      <BookgDt><Dt>2026-10-14</Dt></BookgDt><ValDt><Dt>2026-10-14</Dt></ValDt>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <AddtlNtryInf>{text}</AddtlNtryInf>
    </Ntry>
    <Ntry>
      <NtryRef>2026101500043</NtryRef>
      <Amt Ccy="EUR">12.34</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
      <BookgDt><DtTm>2026-10-14T13:05:00</DtTm></BookgDt>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls><TxDtls>
        <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
        <Amt Ccy="EUR">12.34</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <RltdPties><Dbtr><Pty><Nm>Alise Berzina</Nm></Pty></Dbtr>
          <DbtrAcct><Id><IBAN>LV10HABA0551000000001</IBAN></Id></DbtrAcct></RltdPties>
        <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{rf}</Ref></CdtrRefInf>
        </Strd></RmtInf>
      </TxDtls></NtryDtls>
    </Ntry>
    <Ntry>
      <NtryRef>2026101500044</NtryRef>
      <Amt Ccy="EUR">20.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts>
      <BookgDt><Dt>2026-10-15</Dt></BookgDt>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <AddtlNtryInf>{text}</AddtlNtryInf>
    </Ntry>
    <Ntry>
      <Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    </Ntry>
  </Stmt>
</BkToCstmrStmt>""",
    )


def ru_statement() -> bytes:
    """A Russian bank's camt.053.001.02 for a RUB settlement account (Othr/Id, no IBAN):
    no AcctSvcrRef; 1500.00 identified by InstrId, 250.00 by TxId only, and 99.90 with
    no reference at all and no BookgDt (booked on its ValDt)."""
    return _doc(
        "camt.053.001.02",
        f"""<BkToCstmrStmt>
  <GrpHdr><MsgId>RZBM-20261013-01</MsgId><CreDtTm>2026-10-13T07:00:00+03:00</CreDtTm></GrpHdr>
  <Stmt>
    <Id>RZBM-20261013</Id><CreDtTm>2026-10-13T07:00:00+03:00</CreDtTm>
    <Acct><Id><Othr><Id>{RU_ACCOUNT}</Id><SchmeNm><Prtry>BBAN</Prtry></SchmeNm></Othr></Id><Ccy>RUB</Ccy></Acct>
    <Ntry>
      <Amt Ccy="RUB">1500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-10-12</Dt></BookgDt>
      <BkTxCd><Prtry><Cd>01</Cd><Issr>CBR</Issr></Prtry></BkTxCd>
      <NtryDtls><TxDtls>
        <Refs><InstrId>5523</InstrId></Refs>
        <RltdPties><Dbtr><Nm>Иванов Иван Иванович</Nm></Dbtr>
          <DbtrAcct><Id><Othr><Id>40817810099910004312</Id></Othr></Id></DbtrAcct></RltdPties>
        <RmtInf><Ustrd>Оплата за водоснабжение л/с 100001 за 09.2026</Ustrd></RmtInf>
      </TxDtls></NtryDtls>
    </Ntry>
    <Ntry>
      <Amt Ccy="RUB">250.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-10-12</Dt></BookgDt>
      <BkTxCd><Prtry><Cd>01</Cd><Issr>CBR</Issr></Prtry></BkTxCd>
      <NtryDtls><TxDtls>
        <Refs><TxId>2026101200777</TxId></Refs>
        <RltdPties><Dbtr><Nm>Петрова Анна Сергеевна</Nm></Dbtr></RltdPties>
        <RmtInf><Ustrd>Оплата без номера счета</Ustrd></RmtInf>
      </TxDtls></NtryDtls>
    </Ntry>
    <Ntry>
      <Amt Ccy="RUB">99.90</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <ValDt><Dt>2026-10-11</Dt></ValDt>
      <BkTxCd><Prtry><Cd>01</Cd><Issr>CBR</Issr></Prtry></BkTxCd>
      <AddtlNtryInf>Поступление по реестру л/с 100002</AddtlNtryInf>
    </Ntry>
  </Stmt>
</BkToCstmrStmt>""",
    )
