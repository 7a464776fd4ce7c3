import datetime as dt
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.billing.selectors import account_balance
from kabinet.billing.services import LineSpec, invoice_create
from kabinet.lib.reference import rf_reference
from kabinet.lib.tests.bank_statements import ch_statement, nl_returns
from kabinet.lib.tests.statement_builders import Tx, camt053
from kabinet.payments.models import Payment, PaymentStatus, StatementImport
from kabinet.utility.models import Event


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def invoiced(personas):
    invoice_create(
        account=personas.alice_account,
        period=dt.date(2026, 9, 1),
        lines=[LineSpec(personas.services["cold_water"], "Water", Decimal("1"), "m3", Decimal("40.00"), Decimal("0"))],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )
    return personas


def upload(client, data, name="oct.xml"):
    return client.post(
        reverse("admin:payments_statement_upload"), {"file": SimpleUploadedFile(name, data), "format": ""}
    )


def test_staff_upload_preview_and_post_a_statement(client, invoiced):
    p = invoiced
    client.force_login(p.carol)
    data = camt053([Tx("B1", "40.00", structured=rf_reference("100001")), Tx("B2", "3.00", text="?")])
    response = upload(client, data)
    statement = StatementImport.objects.get()
    assert response["Location"] == reverse("admin:payments_statement_preview", args=[statement.pk])
    page = client.get(response["Location"]).content.decode()
    assert "RF" in page and "100001" in page and "no reference, account number or known payer" in page
    assert Payment.objects.count() == 0
    client.post(response["Location"], {"action": "post"})
    statement.refresh_from_db()
    assert statement.status == "posted" and account_balance(p.alice_account.pk) == Decimal("0.00")
    assert Payment.objects.filter(status=PaymentStatus.UNMATCHED).count() == 1


def test_a_malformed_upload_shows_the_element_and_keeps_nothing(client, invoiced):
    client.force_login(invoiced.carol)
    response = upload(client, camt053([Tx("B1", "4O.00")]))
    assert response.status_code == 200
    assert "Ntry #1 (B1)/Amt" in response.content.decode()
    assert StatementImport.objects.count() == 0


def test_staff_assign_split_and_reject_queued_payments_with_a_reason(client, invoiced):
    p = invoiced
    client.force_login(p.carol)
    upload(client, camt053([Tx("Q1", "10.00", text="?"), Tx("Q2", "30.00", text="?"), Tx("Q3", "1.00", text="?")]))
    client.post(
        reverse("admin:payments_statement_preview", args=[StatementImport.objects.get().pk]), {"action": "post"}
    )
    q1, q2, q3 = Payment.objects.order_by("id")
    page = client.get(reverse("admin:payments_payment_changelist") + "?queue=1").content.decode()
    assert "Resolve" in page
    url = reverse("admin:payments_payment_resolve", args=[q1.pk])
    # No reason: refused, nothing changes.
    response = client.post(url, {"action": "assign", "assign-account": "100001", "assign-reason": ""})
    assert response.status_code == 200
    q1.refresh_from_db()
    assert q1.status == PaymentStatus.UNMATCHED
    client.post(url, {"action": "assign", "assign-account": "100001", "assign-reason": "phoned, her flat"})
    q1.refresh_from_db()
    assert q1.status == PaymentStatus.REGISTERED and q1.account == p.alice_account
    # A split must add up.
    url = reverse("admin:payments_payment_resolve", args=[q2.pk])
    response = client.post(url, {"action": "split", "split-parts": "100001 20\n200001 5", "split-reason": "two flats"})
    assert "add up to 25.00" in response.content.decode()
    client.post(url, {"action": "split", "split-parts": "100001 20\n200001 10", "split-reason": "two flats"})
    q2.refresh_from_db()
    assert q2.status == PaymentStatus.SPLIT and q2.parts.count() == 2
    assert account_balance(p.alice_account.pk) == Decimal("10.00")
    assert account_balance(p.bob_account.pk) == Decimal("-10.00")
    client.post(
        reverse("admin:payments_payment_resolve", args=[q3.pk]),
        {"action": "not_ours", "not_ours-reason": "wrong beneficiary"},
    )
    q3.refresh_from_db()
    assert q3.status == PaymentStatus.NOT_OURS
    reasons = dict(Event.objects.filter(kind__startswith="payment.").values_list("kind", "message"))
    assert reasons["payment.assigned"] == "phoned, her flat" and reasons["payment.not_ours"] == "wrong beneficiary"
    assert reasons["payment.split"] == "two flats"


def test_staff_reverse_a_registered_payment(client, invoiced):
    p = invoiced
    client.force_login(p.carol)
    upload(client, camt053([Tx("B1", "40.00", text="100001")]))
    client.post(
        reverse("admin:payments_statement_preview", args=[StatementImport.objects.get().pk]), {"action": "post"}
    )
    payment = Payment.objects.get()
    client.post(
        reverse("admin:payments_payment_resolve", args=[payment.pk]),
        {"action": "reverse", "reverse-reason": "bank recalled it"},
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVERSED
    assert account_balance(p.alice_account.pk) == Decimal("40.00")


def test_cashier_registers_once_and_prints_a_receipt(client, invoiced):
    p = invoiced
    client.force_login(p.carol)
    form = client.get(reverse("admin:payments_cashier")).content.decode()
    token = form.split('name="token" value="')[1].split('"')[0]
    data = {"account": "100001", "amount": "25.50", "method": "cash", "invoice": "2026-000001", "token": token}
    client.post(reverse("admin:payments_cashier"), data)
    client.post(reverse("admin:payments_cashier"), data)  # a double click
    payment = Payment.objects.get()
    assert payment.channel == "cashier" and payment.method == "cash" and payment.external_id.startswith("K2026-")
    assert payment.invoice.number == "2026-000001"
    assert account_balance(p.alice_account.pk) == Decimal("14.50")
    response = client.get(reverse("admin:payments_receipt", args=[payment.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdfium.PdfDocument(response.content)[0].get_textpage().get_text_range()
    assert "25.50" in text and "100001" in text and payment.external_id in text
    response = client.post(reverse("admin:payments_cashier"), {**data, "token": "other", "account": "999999"})
    assert "No account with this number" in response.content.decode()


def test_read_only_staff_cannot_change_anything(client, invoiced):
    p = invoiced
    client.force_login(p.carol)
    upload(client, camt053([Tx("Q1", "10.00", text="?")]))
    statement = StatementImport.objects.get()
    client.force_login(p.dave)
    assert (
        client.post(reverse("admin:payments_statement_preview", args=[statement.pk]), {"action": "post"}).status_code
        == 403
    )
    assert client.get(reverse("admin:payments_cashier")).status_code == 403
    assert upload(client, camt053([Tx("Q2", "1.00")])).status_code == 403
    statement.refresh_from_db()
    assert statement.status == "preview"


def test_customers_cannot_reach_the_back_office(client, invoiced):
    client.force_login(invoiced.alice)
    response = client.get(reverse("admin:payments_statement_upload"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_preview_of_a_file_in_another_currency_shows_the_files_currency(client, invoiced):
    client.force_login(invoiced.carol)
    response = upload(client, ch_statement(ccy="CHF"), name="ubs.xml")
    page = client.get(response["Location"]).content.decode()
    # Credits: 25.00 + 10.50 = 35.50, in the Swiss franc account's currency.
    assert "credits: 35.50 CHF" in page and "35.50 EUR" not in page
    assert "25.00 CHF" in page and "currency CHF" in page


def test_the_preview_shows_returned_direct_debits_as_returns(client, invoiced):
    client.force_login(invoiced.carol)
    response = upload(client, nl_returns(), name="abn.xml")
    page = client.get(response["Location"]).content.decode()
    assert "returned payment (AM04)" in page and "returned payment (MD06)" in page
    assert "−30.00 EUR" in page and "−12.00 EUR" in page and "not applied" in page
