"""Latvia: every invoice carries the RF creditor reference (ISO 11649) of its account, so
a bank's automatic payment of the e-invoice, or any transfer quoting it, is matched to
the account: on the receipt (the PDF's source), the portal's invoice page and the API."""

import datetime as dt
from decimal import Decimal

import pypdfium2 as pdfium
import time_machine
from django.urls import reverse

from kabinet.autopay.tests.conftest import OCT
from kabinet.billing import receipts
from kabinet.billing.models import Invoice
from kabinet.billing.services import billing_run, billing_run_publish
from kabinet.customers.services.api_tokens import api_token_create
from kabinet.lib.reference import rf_reference
from kabinet.lib.statements.base import Transaction
from kabinet.payments.matching import Outcome, match_transactions


def test_every_invoice_shows_the_rf_reference_and_bank_payments_with_it_match(client, sandbox):
    p = sandbox
    with time_machine.travel(dt.datetime(2026, 11, 12, 9, 0, tzinfo=dt.UTC), tick=False):
        billing_run_publish(run=billing_run(period=OCT, actor=p.carol), actor=p.carol)
        invoice = Invoice.objects.get(account=p.alice_account)
        reference = rf_reference("100001")
        # ISO 11649: "100001" + "RF00" with R=27, F=15 → 100001271500; 100001271500 mod 97 = 29;
        # check digits 98 − 29 = 69.
        assert reference == "RF69100001"

        pdf = pdfium.PdfDocument(receipts.receipt_pdf(invoice))
        text = "".join(pdf[n].get_textpage().get_text_range() for n in range(len(pdf)))
        assert reference in text.replace(" ", "")

        client.force_login(p.alice)
        page = client.get(reverse("portal:invoice-detail", args=[invoice.pk])).content.decode()
        assert reference in page

        _row, token = api_token_create(user=p.alice, name="app")
        answer = client.get(f"/api/v1/invoices/{invoice.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert answer.status_code == 200, answer.content
        assert answer.json()["payment_reference"] == reference

    # The bank's automatic payment quotes it in the structured reference: matched.
    tx = Transaction(
        bank_ref="SWED-2026-11-25-0001",
        amount=Decimal("25.41"),
        credit=True,
        booked_on=dt.date(2026, 11, 25),
        currency="EUR",
        reference="RF69 1000 01",
        payer_name="ALISE BERZINA",
    )
    (match,) = match_transactions([tx], channel="bank", currency="EUR")
    assert (match.outcome, match.account_id) == (Outcome.NEW, p.alice_account.pk)
