"""The data the report tests share (no tests here): a month of a small utility, on either
preset: invoices over three months, a penalty, payments (one reversed, one waiting for assignment in a bank file),
opening balances, a credit correction and readings by several channels.

The figures each test expects are worked out from these rows in plain Python, never by
the reports' queries. October 2026 is the month; "today" is 20 October (the current
month: debts are aged at today, October's invoice is not due yet)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kabinet.billing.models import EntryKind, LineKind, Method
from kabinet.billing.services import LineSpec, invoice_create, ledger_post
from kabinet.customers.models import Customer, CustomerKind
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.payments.models import Payment, PaymentChannel, PaymentStatus, StatementFormat, StatementImport
from kabinet.payments.services import payment_register, payment_reverse
from kabinet.test import make_account

OCT, SEP, AUG = dt.date(2026, 10, 1), dt.date(2026, 9, 1), dt.date(2026, 8, 1)
TODAY = dt.date(2026, 10, 20)
EVIL = '=HYPERLINK("http://evil.example","x")'
EVIL_FILE = "+cmd-statement.xml"


def _invoice(account, period, lines):
    # Issued on the 10th of its month, due on the 25th.
    return invoice_create(
        account=account,
        period=period,
        lines=lines,
        issued_on=period.replace(day=10),
        due_on=period.replace(day=25),
    )


def _water(service, quantity: str, price: str, method=Method.METERED) -> LineSpec:
    return LineSpec(service, service.name_en, Decimal(quantity), "m3", Decimal(price), service.vat_rate, method=method)


def _penalty(amount: str) -> LineSpec:
    return LineSpec(None, "Penalty", Decimal("1"), "", Decimal(amount), Decimal("0"), kind=LineKind.PENALTY)


def _pay(account, amount: str, day: dt.date, channel=PaymentChannel.BANK, ref: str = "") -> Payment:
    payment, _new = payment_register(
        account=account, amount=Decimal(amount), paid_on=day, channel=channel, external_id=ref, notify=False
    )
    return payment


class World:
    def __init__(self, p):
        self.p = p
        cold, hot = p.services["cold_water"], p.services["hot_water"]
        self.cold, self.hot = cold, hot
        alice, second, bob = p.alice_account, p.alice_second_account, p.bob_account
        self.org = Customer.objects.create(
            client_code="30003", kind=CustomerKind.ORGANISATION, organisation_name=EVIL, email="org@example.com"
        )
        self.org_account = make_account(self.org, "300001", "Brīvības iela", "1", "1")

        # Alice: three months, a penalty in September, 10.00 paid on 5 October.
        self.alice_aug = _invoice(alice, AUG, [_water(cold, "10", "1.20")])
        self.alice_sep = _invoice(alice, SEP, [_water(cold, "8", "1.20"), _penalty("0.50")])
        self.alice_oct = _invoice(alice, OCT, [_water(cold, "12", "1.20"), _water(hot, "3", "4.50", Method.AVERAGE)])
        self.alice_paid = _pay(alice, "10.00", dt.date(2026, 10, 5), ref="B-1")
        # Alice's second account: a debt transferred in May; 30.00 paid and reversed.
        ledger_post(account=second, kind=EntryKind.OPENING, amount=Decimal("100.00"), posted_on=dt.date(2026, 5, 1))
        self.reversed = _pay(second, "30.00", dt.date(2026, 10, 12), ref="B-2")
        payment_reverse(payment=self.reversed, reason="Returned by the bank", reversed_on=dt.date(2026, 10, 14))
        # The organisation: 50.00 transferred in September, 20.00 credited back in October.
        ledger_post(account=self.org_account, kind=EntryKind.OPENING, amount=Decimal("50.00"), posted_on=SEP)
        ledger_post(
            account=self.org_account,
            kind=EntryKind.CORRECTION,
            amount=Decimal("-20.00"),
            posted_on=dt.date(2026, 10, 1),
        )
        # Bob: paid September and part of October (not due yet): no debtor.
        self.bob_sep = _invoice(bob, SEP, [_water(cold, "5", "1.20")])
        self.bob_oct = _invoice(bob, OCT, [_water(cold, "5", "1.20")])
        self.bob_paid = _pay(bob, "10.00", dt.date(2026, 10, 15), channel=PaymentChannel.CASHIER)
        # A bank file with a payment nobody was found for.
        self.statement = StatementImport.objects.create(
            file_name=EVIL_FILE, sha256="0" * 64, format=StatementFormat.CAMT, total=Decimal("25.00")
        )
        Payment.objects.filter(pk=self.alice_paid.pk).update(statement=self.statement)
        self.alice_paid.refresh_from_db()
        self.unmatched = Payment.objects.create(
            amount=Decimal("25.00"),
            paid_on=dt.date(2026, 10, 15),
            channel=PaymentChannel.BANK,
            status=PaymentStatus.UNMATCHED,
            statement=self.statement,
            payer_name="Unknown",
        )
        self.payments = [self.alice_paid, self.reversed, self.bob_paid, self.unmatched]
        for payment in self.payments:
            payment.refresh_from_db()

        # October's readings: (meter, day received, channel, status, flag).
        tz = timezone.get_current_timezone()
        self.readings = []
        for meter, day, source, status, flag in [
            (p.alice_cold, 27, ReadingSource.PORTAL, ReadingStatus.ACCEPTED, ""),
            (p.alice_hot, 27, ReadingSource.SMS, ReadingStatus.REJECTED, ""),
            (p.bob_cold, 28, ReadingSource.PORTAL, ReadingStatus.ACCEPTED, "leak"),
            (p.alice_hot, 20, ReadingSource.PHONE, ReadingStatus.QUEUED, ""),
            (p.alice_hot, 28, ReadingSource.ESTIMATED, ReadingStatus.ESTIMATED, ""),
        ]:
            reading = Reading.objects.create(
                meter=meter, period=OCT, value=Decimal("100"), source=source, status=status, flag=flag
            )
            received = dt.datetime(2026, 10, day, 12, 0, tzinfo=tz)
            Reading.objects.filter(pk=reading.pk).update(created=received)
            reading.received_on = received.date()
            self.readings.append(reading)
