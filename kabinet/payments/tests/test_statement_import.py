import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from kabinet.billing.selectors import account_balance
from kabinet.billing.services import LineSpec, invoice_create
from kabinet.lib.periods import add_months
from kabinet.lib.reference import rf_reference
from kabinet.lib.tests.bank_statements import ch_statement, lv_statement, nl_collection, nl_returns, ru_statement
from kabinet.lib.tests.statement_builders import Tx, camt053, camt054, fidavista, onec, registry
from kabinet.notifications.models import MailKind, OutboxMessage
from kabinet.payments.models import Payment, PaymentStatus, RegistryLayout, StatementImport
from kabinet.payments.selectors import invoice_payment_status
from kabinet.payments.services import statement_import, statement_post, statement_preview, statement_upload
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import Event


def issue(account, period, amount, service):
    return invoice_create(
        account=account,
        period=period,
        lines=[
            LineSpec(
                service=service,
                description="Water",
                quantity=Decimal("1"),
                unit="m3",
                price=Decimal(amount),
                vat_rate=Decimal("0"),
                method="metered",
            )
        ],
        issued_on=add_months(period, 1).replace(day=10),
        due_on=add_months(period, 1).replace(day=25),
    )


@pytest.fixture
def invoiced(personas):
    cold = personas.services["cold_water"]
    personas.sep = issue(personas.alice_account, dt.date(2026, 8, 1), "30.00", cold)
    personas.oct = issue(personas.alice_account, dt.date(2026, 9, 1), "20.00", cold)
    personas.bob_inv = issue(personas.bob_account, dt.date(2026, 9, 1), "15.00", cold)
    return personas


def test_it_previews_matches_with_reasons_without_posting(invoiced):
    p = invoiced
    data = camt053(
        [
            Tx("B1", "30.00", structured=rf_reference("100001")),
            Tx("B2", "15.00", text="Maksājums par kontu 200001", iban="LV22BOBB0000000000002"),
            Tx("B3", "4.00", text="Klienta kods 20002"),
            Tx("B4", "9.99", text="dāvana"),
        ]
    )
    statement = statement_upload(data=data, file_name="oct.xml", actor=p.carol)
    rows = statement_preview(statement)
    assert [(r.outcome, r.account_number) for r in rows] == [
        ("new", "100001"),
        ("new", "200001"),
        ("new", "200001"),
        ("unmatched", ""),
    ]
    assert "RF" in rows[0].reason and "200001" in rows[1].reason and "20002" in rows[2].reason
    assert Payment.objects.count() == 0
    assert account_balance(p.alice_account.pk) == Decimal("50.00")


def test_it_posts_matched_credits_and_queues_the_rest(invoiced, mailoutbox):
    p = invoiced
    data = camt053(
        [
            Tx("B1", "30.00", structured=rf_reference("100001")),
            Tx("B2", "15.00", text="konts 200001"),
            Tx("B4", "9.99", text="dāvana"),
        ]
    )
    statement = statement_import(data=data, file_name="oct.xml", actor=p.carol)
    assert (statement.matched, statement.unmatched, statement.status) == (2, 1, "posted")
    assert account_balance(p.alice_account.pk) == Decimal("20.00")
    assert account_balance(p.bob_account.pk) == Decimal("0.00")
    states = invoice_payment_status([p.sep.pk, p.oct.pk, p.bob_inv.pk])
    assert states[p.sep.pk].state == "paid" and states[p.oct.pk].state == "unpaid"
    assert states[p.bob_inv.pk].state == "paid"
    queued = Payment.objects.get(status=PaymentStatus.UNMATCHED)
    assert queued.account is None and queued.amount == Decimal("9.99")
    assert Event.objects.filter(kind="statement.posted", actor=p.carol).exists()
    mails = OutboxMessage.objects.filter(kind=MailKind.PAYMENT)
    assert {m.to for m in mails} == {"alice@example.com", "bob@example.com"}


def test_it_imports_the_same_or_an_overlapping_statement_once(invoiced):
    p = invoiced
    first = camt053([Tx("B1", "10.00", text="100001"), Tx("B2", "5.00", text="100001")])
    overlapping = camt053([Tx("B2", "5.00", text="100001"), Tx("B3", "7.00", text="100001", booked="2026-10-13")])
    statement_import(data=first, file_name="a.xml")
    again = statement_import(data=first, file_name="a-again.xml")
    assert (again.matched, again.duplicates) == (0, 2)
    third = statement_import(data=overlapping, file_name="b.xml")
    assert (third.matched, third.duplicates) == (1, 1)
    assert Payment.objects.count() == 3
    assert account_balance(p.alice_account.pk) == Decimal("50.00") - Decimal("22.00")


def test_it_refuses_a_malformed_file_and_posts_nothing(invoiced):
    good_then_bad = camt053([Tx("B1", "10.00", text="100001"), Tx("B2", "1O.00", text="100001")])
    with pytest.raises(ApplicationError) as info:
        statement_import(data=good_then_bad, file_name="bad.xml")
    assert "Ntry #2 (B2)/Amt" in info.value.message
    assert Payment.objects.count() == 0 and StatementImport.objects.count() == 0
    assert account_balance(invoiced.alice_account.pk) == Decimal("50.00")


def test_it_reverses_a_payment_when_the_bank_returns_it(invoiced):
    p = invoiced
    statement_import(data=camt053([Tx("B1", "30.00", text="100001", e2e="E2E-9")]), file_name="a.xml")
    assert account_balance(p.alice_account.pk) == Decimal("20.00")
    reversal = camt053([Tx("R1", "30.00", credit=False, reversal=True, e2e="E2E-9", booked="2026-10-14")])
    statement = statement_import(data=reversal, file_name="r.xml")
    assert statement.reversals == 1
    payment = Payment.objects.get(external_id__contains="|B1|")
    assert payment.status == PaymentStatus.REVERSED and payment.reversal_entry.amount == Decimal("30.00")
    assert account_balance(p.alice_account.pk) == Decimal("50.00")
    assert invoice_payment_status([p.sep.pk])[p.sep.pk].state == "unpaid"
    # The same reversal again changes nothing.
    again = statement_import(data=reversal, file_name="r2.xml")
    assert (again.reversals, again.duplicates) == (0, 1)
    assert account_balance(p.alice_account.pk) == Decimal("50.00")


def test_it_reverses_a_payment_from_the_same_file(invoiced):
    p = invoiced
    data = camt053(
        [
            Tx("B1", "30.00", text="100001"),
            Tx("R1", "30.00", credit=False, reversal=True, text="100001", booked="2026-10-13"),
        ]
    )
    statement = statement_import(data=data, file_name="a.xml")
    assert (statement.matched, statement.reversals) == (1, 1)
    assert account_balance(p.alice_account.pk) == Decimal("50.00")


def test_it_imports_camt054(invoiced):
    statement_import(data=camt054([Tx("N1", "20.00", structured=rf_reference("100001"))]), file_name="n.xml")
    assert account_balance(invoiced.alice_account.pk) == Decimal("30.00")


def test_it_imports_fidavista_with_a_return(invoiced):
    p = invoiced
    data = fidavista([Tx("F1", "50.00", text=f"Rēķins {rf_reference('100001')}")])
    statement_import(data=data, file_name="f.xml")
    assert account_balance(p.alice_account.pk) == Decimal("0.00")
    returned = fidavista([Tx("F9", "50.00", credit=False, reversal=True, text=rf_reference("100001"))])
    assert statement_import(data=returned, file_name="f2.xml").reversals == 1
    assert account_balance(p.alice_account.pk) == Decimal("50.00")


@pytest.mark.parametrize("encoding", ["cp1251", "cp866", "utf-8"])
def test_it_imports_1c_client_bank_exchange(ru_personas, encoding):
    p = ru_personas
    issue(p.alice_account, dt.date(2026, 9, 1), "1500.00", p.services["cold_water"])
    data = onec(
        [
            {"number": "101", "amount": "1000.00", "purpose": "Оплата за ХВС л/с 100001 за 09.2026"},
            {"number": "102", "amount": "200.00", "purpose": "Оплата без номера"},
        ],
        encoding=encoding,
    )
    statement = statement_import(data=data, file_name="kl_to_1c.txt")
    assert (statement.matched, statement.unmatched) == (1, 1)
    assert account_balance(p.alice_account.pk) == Decimal("500.00")
    assert statement_import(data=data, file_name="again.txt").duplicates == 2


def test_it_imports_an_agent_registry_with_its_layout(ru_personas):
    p = ru_personas
    layout = RegistryLayout.objects.create(
        name="Сбербанк",
        code="sber",
        columns={"date": 0, "op_id": 4, "account": 5, "payer_name": 6, "period": 8, "amount": 9},
        summary_count_column=0,
        summary_total_column=1,
    )
    data = registry([("OP1", "100001", "100.00"), ("OP2", "999999", "5.00")])
    statement = statement_import(data=data, file_name="reestr.txt", layout=layout)
    assert (statement.matched, statement.unmatched) == (1, 1)
    assert Payment.objects.get(status="registered").channel == "agent"
    assert account_balance(p.alice_account.pk) == Decimal("-100.00")
    with pytest.raises(ApplicationError) as info:
        statement_import(data=registry([("OP3", "100001", "1.00")], total="2.00"), file_name="bad.txt", layout=layout)
    assert "summary" in info.value.message


def test_it_matches_a_payer_account_seen_before(invoiced):
    p = invoiced
    statement_import(data=camt053([Tx("B1", "10.00", text="100001", iban="LV55PAYR0000000000055")]), file_name="a")
    statement_import(data=camt053([Tx("B2", "10.00", text="par ūdeni", iban="LV55PAYR0000000000055")]), file_name="b")
    second = Payment.objects.get(external_id__contains="|B2|")
    assert second.account == p.alice_account and "LV55PAYR0000000000055" in second.match_reason


def test_it_leaves_ambiguous_texts_and_client_codes_with_several_accounts_unmatched(invoiced):
    statement = statement_import(
        data=camt053([Tx("B1", "10.00", text="100001 un 100002"), Tx("B2", "3.00", text="kods 10001")]),
        file_name="a",
    )
    assert statement.unmatched == 2
    reasons = list(Payment.objects.order_by("id").values_list("match_reason", flat=True))
    assert "100001" in reasons[0] and "10001" in reasons[1]


def test_it_refuses_to_post_a_statement_twice(invoiced):
    statement = statement_upload(data=camt053([Tx("B1", "10.00", text="100001")]), file_name="a")
    statement_post(statement=statement)
    with pytest.raises(ApplicationError):
        statement_post(statement=statement)
    assert Payment.objects.count() == 1


def test_it_respects_the_customers_mail_preference(invoiced):
    from kabinet.customers.models import MailPreference

    MailPreference.objects.create(user=invoiced.alice, kind=MailKind.PAYMENT, enabled=False)
    statement_import(data=camt053([Tx("B1", "10.00", text="100001"), Tx("B2", "1.00", text="200001")]), file_name="a")
    assert list(OutboxMessage.objects.filter(kind=MailKind.PAYMENT).values_list("to", flat=True)) == ["bob@example.com"]
    mail = OutboxMessage.objects.get()
    assert "200001" in mail.subject and "1,00 EUR" in mail.body_text  # Latvian decimal comma


# --- camt by the standard's optionality; mail net of reversals -------------------------


def payment_mails(to: str) -> int:
    return OutboxMessage.objects.filter(kind=MailKind.PAYMENT, to=to).count()


def test_it_posts_the_customer_credit_when_a_returned_direct_debit_has_no_bank_reference(invoiced):
    p = invoiced
    collection = nl_collection(alice_ref=rf_reference("100001"), bob_ref=rf_reference("200001"))
    statement_import(data=collection, file_name="abn-1012.xml")
    # alice 50.00 - 30.00 = 20.00; bob 15.00 - 15.00 = 0.00
    assert account_balance(p.alice_account.pk) == Decimal("20.00")
    assert account_balance(p.bob_account.pk) == Decimal("0.00")

    statement = statement_import(data=nl_returns(bob_text="200001"), file_name="abn-1014.xml")
    assert (statement.status, statement.matched, statement.reversals) == ("posted", 1, 1)
    # bob's transfer in the same file: 0.00 - 15.00 = -15.00
    assert account_balance(p.bob_account.pk) == Decimal("-15.00")
    # alice's direct debit came back unpaid: 20.00 + 30.00 = 50.00
    assert account_balance(p.alice_account.pk) == Decimal("50.00")
    collected = Payment.objects.get(end_to_end_id="DD-2610-100001")
    assert collected.status == PaymentStatus.REVERSED and "E2E:DD-2610-100001" in collected.reversal_ref
    # The other returned item (12.00) has no payment here: reported, not applied.
    posted = Event.objects.get(kind="statement.posted", object_id=str(statement.pk))
    assert posted.data["orphan_reversals"] == ["E2E:DD-2609-300001"]
    # Importing the file again changes nothing.
    again = statement_import(data=nl_returns(bob_text="200001"), file_name="abn-1014-again.xml")
    assert (again.matched, again.reversals, again.duplicates) == (0, 0, 2)
    assert account_balance(p.bob_account.pk) == Decimal("-15.00")


def test_it_shows_returned_direct_debits_to_staff_in_the_preview(invoiced):
    statement = statement_upload(data=nl_returns(bob_text="200001"), file_name="abn-1014.xml")
    rows = statement_preview(statement)
    assert [(r.outcome, r.tx.amount, r.tx.returned, r.tx.return_reason) for r in rows] == [
        ("new", Decimal("15.00"), False, ""),
        ("reversal_orphan", Decimal("30.00"), True, "AM04"),
        ("reversal_orphan", Decimal("12.00"), True, "MD06"),
    ]
    assert rows[1].tx.where == "Ntry #2/TxDtls #1" and rows[2].tx.where == "Ntry #2/TxDtls #2"


def test_it_queues_a_batch_booking_it_cannot_split_with_its_position(invoiced):
    # The second QR payment of the batch has no amount of its own.
    data = ch_statement(ccy="EUR").replace(b'<Amt Ccy="EUR">10.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>', b"")
    with translation.override("en"):
        statement = statement_import(data=data, file_name="ubs.xml")
    assert (statement.matched, statement.unmatched) == (0, 1)
    queued = Payment.objects.get(status=PaymentStatus.UNMATCHED)
    assert queued.amount == Decimal("25.00") + Decimal("10.50")
    assert "Ntry #1 (375204000006A1)" in queued.match_reason and "split it by hand" in queued.match_reason
    assert account_balance(invoiced.alice_account.pk) == Decimal("50.00")


def test_it_imports_a_russian_camt_statement_without_bank_references_once(ru_personas):
    p = ru_personas
    statement = statement_import(data=ru_statement(), file_name="raif.xml")
    assert (statement.matched, statement.unmatched) == (2, 1)
    assert account_balance(p.alice_account.pk) == Decimal("-1500.00")
    assert account_balance(p.alice_second_account.pk) == Decimal("-99.90")
    again = statement_import(data=ru_statement(), file_name="raif-again.xml")
    assert (again.matched, again.unmatched, again.duplicates) == (0, 0, 3)


def test_it_sends_no_mail_for_a_credit_reversed_in_the_same_file(invoiced):
    p = invoiced
    data = camt053(
        [
            Tx("B1", "30.00", text="100001"),
            Tx("B2", "15.00", text="200001"),
            Tx("R1", "30.00", credit=False, reversal=True, text="100001", booked="2026-10-13"),
        ]
    )
    statement = statement_upload(data=data, file_name="a.xml")
    assert OutboxMessage.objects.count() == 0  # nothing before the file is posted
    statement_post(statement=statement)
    assert (payment_mails("alice@example.com"), payment_mails("bob@example.com")) == (0, 1)
    assert account_balance(p.alice_account.pk) == Decimal("50.00")
    assert account_balance(p.bob_account.pk) == Decimal("0.00")


def test_it_reverses_the_payment_earlier_in_the_file_rather_than_an_older_one(invoiced):
    p = invoiced
    statement_import(data=camt053([Tx("A1", "30.00", text="100001", booked="2026-10-01")]), file_name="a.xml")
    assert payment_mails("alice@example.com") == 1
    data = camt053(
        [
            Tx("A2", "30.00", text="100001", booked="2026-10-13"),
            Tx("R2", "30.00", credit=False, reversal=True, text="100001", booked="2026-10-14"),
        ]
    )
    statement_import(data=data, file_name="b.xml")
    older = Payment.objects.get(external_id__contains="|A1|")
    newer = Payment.objects.get(external_id__contains="|A2|")
    assert (older.status, newer.status) == (PaymentStatus.REGISTERED, PaymentStatus.REVERSED)
    assert payment_mails("alice@example.com") == 1  # none for the payment the file took back
    # 50.00 - 30.00 (A1) - 30.00 (A2) + 30.00 (R2) = 20.00
    assert account_balance(p.alice_account.pk) == Decimal("20.00")


def test_it_mails_a_latvian_statement_net_of_its_reversal(invoiced):
    p = invoiced
    data = lv_statement(rf=rf_reference("100001"), text="Rekins 100002")
    statement = statement_import(data=data, file_name="swed.xml")
    assert (statement.matched, statement.reversals) == (2, 1)
    # 100001: 50.00 - 12.34 = 37.66; 100002: 0.00 - 20.00 + 20.00 = 0.00
    assert account_balance(p.alice_account.pk) == Decimal("37.66")
    assert account_balance(p.alice_second_account.pk) == Decimal("0.00")
    (mail,) = OutboxMessage.objects.filter(kind=MailKind.PAYMENT)
    assert "12,34 EUR" in mail.body_text and "100001" in mail.body_text
