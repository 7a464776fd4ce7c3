"""Who is who in the exports' tests.

The council (Daugavpils pilsētas dome, client code 40001) is a public body that receives
its invoices as UBL: its October invoice has water at 21 %, heat at 12 % and a late fee
without VAT, every figure hand-computed below. Alice (a household, personas) gets paper
or e-mail, never UBL. Staff log in with the roles the migrations made.
"""

import datetime as dt
from decimal import Decimal as D

import pytest

from kabinet.billing.models import BillingRun, Invoice, InvoiceLine, LineKind, Method, RunStatus
from kabinet.customers.models import Customer, CustomerKind
from kabinet.exports.models import EInvoiceRecipient
from kabinet.test import make_account, role_logins

OCT = dt.date(2026, 10, 1)


def invoice_with_lines(account, run, number: str, lines: list[tuple]) -> Invoice:
    """lines: (kind, service or None, method, description, quantity, unit, price, amount, rate, vat)."""
    total = sum(D(amount) + D(vat) for *_, amount, _rate, vat in lines)
    vat_total = sum(D(vat) for *_, vat in lines)
    invoice = Invoice.objects.create(
        account=account,
        period=OCT,
        run=run,
        year=2026,
        seq=int(number.split("-")[-1]),
        number=number,
        issued_on=dt.date(2026, 11, 10),
        due_on=dt.date(2026, 11, 25),
        previous_balance=D("10.00"),
        payments_received=D("10.00"),
        total=total,
        vat_total=vat_total,
        amount_due=total,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            kind=kind,
            service=service,
            method=method,
            description=description,
            quantity=D(quantity),
            unit=unit,
            price=D(price),
            amount=D(amount),
            vat_rate=D(rate),
            vat=D(vat),
            total=D(amount) + D(vat),
        )
        for kind, service, method, description, quantity, unit, price, amount, rate, vat in lines
    )
    return invoice


class Council:
    def __init__(self, personas):
        self.personas = personas
        self.customer = Customer.objects.create(
            kind=CustomerKind.ORGANISATION,
            client_code="40001",
            organisation_name="Daugavpils pilsētas dome",
            registration_number="90000077325",
            vat_number="LV90000077325",
        )
        self.account = make_account(self.customer, "400001", "Krišjāņa Valdemāra iela", "1", "")
        self.recipient = EInvoiceRecipient.objects.create(customer=self.customer, scheme="0218", endpoint="90000077325")
        self.run = BillingRun.objects.create(period=OCT, status=RunStatus.PUBLISHED, issued_on=dt.date(2026, 11, 10))
        cold, hot = personas.services["cold_water"], personas.services["hot_water"]
        # 10.000 m³ × 1.20 = 12.00, VAT 21 % 2.52; 3.500 m³ × 4.50 = 15.75, VAT 3.3075 -> 3.31;
        # heat 2.000 MWh × 10.125 = 20.25, VAT 12 % 2.43; a late fee of 1.37 without VAT.
        self.invoice = invoice_with_lines(
            self.account,
            self.run,
            "2026-000101",
            [
                (LineKind.CHARGE, cold, Method.METERED, "", "10", "m3", "1.20", "12.00", "21", "2.52"),
                (LineKind.CHARGE, hot, Method.METERED, "", "3.5", "m3", "4.50", "15.75", "21", "3.31"),
                (LineKind.CHARGE, None, Method.FIXED, "Siltumenerģija", "2", "month", "10.125", "20.25", "12", "2.43"),
                (LineKind.PENALTY, None, "", "Nokavējuma procenti", "0", "", "0", "1.37", "0", "0"),
            ],
        )
        # Alice's invoice in the same run: a household, no UBL for her.
        self.alice_invoice = invoice_with_lines(
            personas.alice_account,
            self.run,
            "2026-000102",
            [(LineKind.CHARGE, cold, Method.METERED, "", "5", "m3", "1.20", "6.00", "21", "1.26")],
        )


@pytest.fixture
def council(personas) -> Council:
    return Council(personas)


@pytest.fixture
def staff(db):
    """One login per role that matters here, as the migrations made the groups."""
    return role_logins(("Accountant", "Administrator", "Auditor", "Operator", "Customer service"))


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"
