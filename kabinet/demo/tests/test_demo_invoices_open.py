"""Every invoice of the demo opens: its page, its printable receipt and its PDF."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.customers.models import AccessRole, AccountAccess, User
from kabinet.demo import constants as c
from kabinet.demo.builder import MIN_ACCOUNTS

NOW = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(params=["lv", "ru"])
def demo(request, db, client):
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", "--preset", request.param, "--accounts", str(MIN_ACCOUNTS), stdout=io.StringIO())
        client.cookies["django_language"] = "en"
        yield request.param


def open_invoice(client, invoice: Invoice, *, pdf: bool) -> None:
    names = ["portal:invoice-detail", "portal:invoice-receipt"] + (["portal:invoice-pdf"] if pdf else [])
    for name in names:
        response = client.get(reverse(name, args=[invoice.pk]))
        assert response.status_code == 200, (name, invoice.number)
        if name == "portal:invoice-pdf":
            assert response["Content-Type"] == "application/pdf"
            assert response.content.startswith(b"%PDF")


def test_it_opens_every_invoice_of_the_demo_logins_with_its_receipt_and_pdf(demo, client):
    opened = 0
    for email in (c.ALICE_EMAIL, c.BOB_EMAIL):
        user = User.objects.get(email=email)
        client.force_login(user)
        for access in user.account_accesses.all():
            client.post(reverse("portal:account-choose"), {"account": access.account_id})
            for invoice in Invoice.objects.filter(account_id=access.account_id):
                open_invoice(client, invoice, pdf=True)
                opened += 1
    assert opened == 3 * 12  # alice's two premises and bob's, a year each


def test_it_opens_every_seeded_invoice_for_a_login_of_its_account(demo, client):
    # Customers who never registered get a login here, as they would by registering.
    holders = {a.account_id: a.user for a in AccountAccess.objects.filter(role=AccessRole.HOLDER)}
    invoices = Invoice.objects.select_related("account__customer").order_by("account_id", "period")
    assert invoices.count() == MIN_ACCOUNTS * 12
    for invoice in invoices:
        user = holders.get(invoice.account_id)
        if user is None:
            user = User.objects.create_user(
                username=f"new{invoice.account_id}",
                email=f"new{invoice.account_id}@example.com",
                customer=invoice.account.customer,
            )
            AccountAccess.objects.create(user=user, account=invoice.account, role=AccessRole.HOLDER)
            holders[invoice.account_id] = user
        client.force_login(user)
        client.post(reverse("portal:account-choose"), {"account": invoice.account_id})
        open_invoice(client, invoice, pdf=False)
