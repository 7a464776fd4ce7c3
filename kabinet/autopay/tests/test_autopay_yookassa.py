"""Automatic payment end to end with the YooKassa provider: its real HTTP transport
against a fake YooKassa API on localhost, and YooKassa's documented notifications
(payment.succeeded with payment_method.saved=true; payment.canceled with
cancellation_details)."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from kabinet.autopay.models import Attempt, Mandate, SavedMethod
from kabinet.autopay.services import autopay_charge_due
from kabinet.autopay.tests.conftest import OCT
from kabinet.billing.models import Invoice, LedgerEntry
from kabinet.billing.selectors import account_balance
from kabinet.billing.services import billing_run, billing_run_publish
from kabinet.notifications.models import OutboxMessage
from kabinet.payments.models import OnlinePayment, Payment

RIGA = ZoneInfo("Europe/Riga")
YOOKASSA_IP = "185.71.76.5"


def at(day: dt.date, hour: int = 10, minute: int = 5):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=RIGA), tick=False)


def notify(client, payload: dict):
    return client.post(
        reverse("portal:payment-notify", args=["yookassa"]),
        data=json.dumps(payload),
        content_type="application/json",
        REMOTE_ADDR=YOOKASSA_IP,
    )


def switch_on(client, p, max_amount="100,00") -> Mandate:
    """Alice saves her card on YooKassa's page (1.00 RUB, as she owes nothing yet)."""
    client.force_login(p.alice)
    response = client.post(
        reverse("autopay:home"),
        {"account": p.alice_account.pk, "mode": "on_issue", "max_amount": max_amount},
    )
    assert response.status_code == 302
    online = OnlinePayment.objects.get()
    assert response["Location"].startswith("https://yoomoney.ru/checkout/")
    assert notify(client, p.fake.pay(online.provider_payment_id)).status_code == 200
    return Mandate.objects.get(account=p.alice_account)


def publish(django_capture_on_commit_callbacks, p):
    with django_capture_on_commit_callbacks(execute=True):
        run = billing_run(period=OCT, actor=p.carol)
        billing_run_publish(run=run, actor=p.carol)
    return Invoice.objects.get(account=p.alice_account)


def test_it_saves_the_card_then_pays_the_published_invoice(client, yk, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 10, 28)):
        mandate = switch_on(client, yk)
        setup = yk.fake.requests[0]
        assert setup[0:2] == ("POST", "/v3/payments")
        assert setup[3]["save_payment_method"] is True
        assert setup[3]["amount"] == {"value": "1.00", "currency": "RUB"}
        assert mandate.status == "active"
        card = SavedMethod.objects.get()
        assert (card.last4, card.expiry_month, card.expiry_year, card.user) == ("4444", "07", "2029", yk.alice)
        assert "555555" not in json.dumps(list(SavedMethod.objects.values()), default=str)
        # The setup payment is credited to the account: −1.00.
        assert account_balance(yk.alice_account.pk) == Decimal("-1.00")

        invoice = publish(django_capture_on_commit_callbacks, yk)
        # 10 m³ × 1.20 = 12.00 + 22 % VAT = 14.64; 2 m³ × 4.50 = 9.00 + 22 % VAT = 10.98;
        # 14.64 + 10.98 = 25.62; less the 1.00 credit = 24.62.
        assert invoice.total == Decimal("25.62") and invoice.amount_due == Decimal("24.62")
        attempt = Attempt.objects.get()
        assert attempt.status == "scheduled" and attempt.invoice == invoice
        assert attempt.next_try == dt.datetime(2026, 11, 1, 10, 0, tzinfo=RIGA)
        notice = OutboxMessage.objects.get(dedupe_key=f"autopay-notice:{attempt.pk}")
        assert "24,62" in notice.body_text and "01.11.2026" in notice.body_text and "4444" in notice.body_text

        assert autopay_charge_due() == 0  # not before its day

    with at(dt.date(2026, 11, 1)):
        assert autopay_charge_due() == 1
        charge = yk.fake.requests[-1]
        online = OnlinePayment.objects.exclude(pk=mandate.setup_payment_id).get()
        assert charge[3]["payment_method_id"] == card.token and "confirmation" not in charge[3]
        assert charge[3]["amount"] == {"value": "24.62", "currency": "RUB"}
        assert charge[2]["Idempotence-Key"] == str(online.pk)
        attempt.refresh_from_db()
        assert attempt.status == "charging" and attempt.tries == 1

        body = yk.fake.settle_charge(online.provider_payment_id)
        assert notify(client, body).status_code == 200
        assert notify(client, body).status_code == 200  # YooKassa delivers again

    payment = Payment.objects.get(invoice=invoice)
    assert payment.amount == Decimal("24.62") and payment.channel == "online"
    # The ledger: +25.62 invoice, −1.00 setup payment, −24.62 this payment = 0.00.
    assert payment.ledger_entry.amount == Decimal("-24.62")
    assert sorted(LedgerEntry.objects.filter(account=yk.alice_account).values_list("amount", flat=True)) == [
        Decimal("-24.62"),
        Decimal("-1.00"),
        Decimal("25.62"),
    ]
    assert Payment.objects.filter(channel="online").count() == 2  # the 1.00 setup and this one
    assert account_balance(yk.alice_account.pk) == Decimal("0.00")
    attempt.refresh_from_db()
    assert attempt.status == "succeeded" and attempt.provider_payment_id == online.provider_payment_id
    assert OutboxMessage.objects.filter(dedupe_key__startswith=f"autopay-result:{attempt.pk}:paid").count() == 1


def test_declines_retry_after_one_and_three_days_then_pause(client, yk, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 10, 28)):
        mandate = switch_on(client, yk)
        publish(django_capture_on_commit_callbacks, yk)
    yk.fake.outcomes = ["insufficient_funds"] * 3
    attempt = Attempt.objects.get()
    keys = []
    for day, expected_next in (
        (dt.date(2026, 11, 1), dt.datetime(2026, 11, 2, 10, 0, tzinfo=RIGA)),
        (dt.date(2026, 11, 2), dt.datetime(2026, 11, 5, 10, 0, tzinfo=RIGA)),
        (dt.date(2026, 11, 5), None),
    ):
        with at(day):
            assert autopay_charge_due() == 1
            keys.append(yk.fake.requests[-1][2]["Idempotence-Key"])
            attempt.refresh_from_db()
            online = attempt.online_payment
            body = yk.fake.settle_charge(online.provider_payment_id)
            assert body["object"]["cancellation_details"] == {
                "party": "payment_network",
                "reason": "insufficient_funds",
            }
            assert notify(client, body).status_code == 200
            attempt.refresh_from_db()
            assert attempt.next_try == expected_next
        with at(day + dt.timedelta(hours=12)):
            assert autopay_charge_due() == 0  # nothing is due before the next try
    assert len(set(keys)) == 3  # one idempotence key per try
    assert attempt.status == "failed" and attempt.tries == 3 and attempt.failure == "insufficient_funds"
    mandate.refresh_from_db()
    assert mandate.status == "paused" and mandate.declines_in_row == 3
    assert not Payment.objects.filter(invoice=attempt.invoice).exists()
    assert account_balance(yk.alice_account.pk) == Decimal("24.62")
    cases = sorted(
        k.split(":")[2]
        for k in OutboxMessage.objects.filter(dedupe_key__startswith="autopay-result").values_list(
            "dedupe_key", flat=True
        )
    )
    assert cases == ["paused", "retry", "retry"]


def test_an_expired_card_pauses_at_once(client, yk, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 10, 28)):
        mandate = switch_on(client, yk)
        publish(django_capture_on_commit_callbacks, yk)
    yk.fake.outcomes = ["card_expired"]
    with at(dt.date(2026, 11, 1)):
        autopay_charge_due()
        attempt = Attempt.objects.get()
        assert notify(client, yk.fake.settle_charge(attempt.online_payment.provider_payment_id)).status_code == 200
    attempt.refresh_from_db()
    mandate.refresh_from_db()
    assert (attempt.status, attempt.tries, mandate.status, mandate.reason) == ("failed", 1, "paused", "card_expired")


def test_an_invoice_above_the_maximum_is_not_charged(client, yk, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 10, 28)):
        switch_on(client, yk, max_amount="15.00")
        publish(django_capture_on_commit_callbacks, yk)
    attempt = Attempt.objects.get()
    # 24.62 owed > 15.00: nothing is charged, not even 15.00 of it.
    assert (attempt.status, attempt.amount) == ("over_limit", Decimal("24.62"))
    with at(dt.date(2026, 11, 1)):
        assert autopay_charge_due() == 0
        mail.outbox.clear()
        from kabinet.notifications.services import outbox_send_due

        outbox_send_due()
    assert [m for m in mail.outbox if "15,00" in m.body and "24,62" in m.body]
    assert not [r for r in yk.fake.requests if r[3] and r[3].get("payment_method_id")]


def test_the_provider_being_down_retries_with_the_same_key(client, yk, django_capture_on_commit_callbacks, settings):
    with at(dt.date(2026, 10, 28)):
        switch_on(client, yk)
        publish(django_capture_on_commit_callbacks, yk)
    good_url = settings.YOOKASSA_API_URL
    settings.YOOKASSA_API_URL = "http://127.0.0.1:9/v3"  # nothing listens there
    with at(dt.date(2026, 11, 1)):
        autopay_charge_due()
    attempt = Attempt.objects.get()
    assert attempt.status == "charging" and attempt.online_payment.status == "created"
    settings.YOOKASSA_API_URL = good_url
    with at(dt.date(2026, 11, 1), hour=11, minute=10):
        assert autopay_charge_due() == 1
    key = yk.fake.requests[-1][2]["Idempotence-Key"]
    assert key == str(attempt.online_payment_id)
    with at(dt.date(2026, 11, 1), hour=12, minute=10):
        autopay_charge_due()  # the answer was pending: the notification settles it, no new charge
    assert len(yk.fake.charges()) == 1


@pytest.mark.parametrize("reason", ["insufficient_funds"])
def test_a_success_resets_the_declines(client, yk, django_capture_on_commit_callbacks, reason):
    with at(dt.date(2026, 10, 28)):
        mandate = switch_on(client, yk)
        publish(django_capture_on_commit_callbacks, yk)
    yk.fake.outcomes = [reason, "succeeded"]
    for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 2)):
        with at(day):
            autopay_charge_due()
            attempt = Attempt.objects.get()
            notify(client, yk.fake.settle_charge(attempt.online_payment.provider_payment_id))
    mandate.refresh_from_db()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.tries, mandate.declines_in_row) == ("succeeded", 2, 0)
    assert account_balance(yk.alice_account.pk) == Decimal("0.00")
