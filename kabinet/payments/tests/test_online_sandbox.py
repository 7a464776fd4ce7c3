import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from kabinet.billing.selectors import account_balance
from kabinet.billing.services import LineSpec, invoice_create
from kabinet.notifications.models import MailKind, OutboxMessage
from kabinet.payments.models import OnlinePayment, Payment, SandboxCharge
from kabinet.payments.providers.sandbox import SIGNATURE_HEADER, notification_body, sign
from kabinet.payments.selectors import invoice_payment_status


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def invoiced(personas):
    cold = personas.services["cold_water"]
    personas.inv1 = invoice_create(
        account=personas.alice_account,
        period=dt.date(2026, 8, 1),
        lines=[LineSpec(cold, "Water", Decimal("1"), "m3", Decimal("30.00"), Decimal("0"))],
        issued_on=dt.date(2026, 9, 10),
        due_on=dt.date(2026, 9, 25),
    )
    personas.inv2 = invoice_create(
        account=personas.alice_account,
        period=dt.date(2026, 9, 1),
        lines=[LineSpec(cold, "Water", Decimal("1"), "m3", Decimal("20.00"), Decimal("0"))],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )
    personas.bob_inv = invoice_create(
        account=personas.bob_account,
        period=dt.date(2026, 9, 1),
        lines=[LineSpec(cold, "Water", Decimal("1"), "m3", Decimal("15.00"), Decimal("0"))],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )
    return personas


def start(client, data):
    response = client.post(reverse("portal:pay"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    online = OnlinePayment.objects.latest("created")
    assert response["Location"] == reverse("portal:sandbox-page", args=[online.provider_payment_id])
    return online


def notify(client, charge_id, *, tamper=None, signature=None):
    charge = SandboxCharge.objects.get(pk=charge_id)
    body = notification_body(charge)
    sig = signature or sign(body)
    if tamper:
        body = tamper(body)
    return client.post(
        reverse("portal:payment-notify", args=["sandbox"]),
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sig},
    )


def test_it_pays_the_whole_debt_of_several_accounts(client, invoiced):
    p = invoiced
    client.force_login(p.alice)
    page = client.get(reverse("portal:pay")).content.decode()
    assert 'value="50.00"' in page and "100002" in page, page[page.find("amount-") :][:600]
    online = start(client, {f"amount-{p.alice_account.pk}": "50.00", f"amount-{p.alice_second_account.pk}": "5.00"})
    assert online.amount == Decimal("55.00") and online.lines.count() == 2
    response = client.post(reverse("portal:sandbox-page", args=[online.provider_payment_id]), {"action": "pay"})
    assert response["Location"].endswith(reverse("portal:pay-return", args=[online.pk]))
    page = client.get(response["Location"]).content.decode()
    assert "your payment is registered" in page
    assert account_balance(p.alice_account.pk) == Decimal("0.00")
    assert account_balance(p.alice_second_account.pk) == Decimal("-5.00")
    states = invoice_payment_status([p.inv1.pk, p.inv2.pk])
    assert {s.state for s in states.values()} == {"paid"}
    assert OutboxMessage.objects.filter(kind=MailKind.PAYMENT, to="alice@example.com").count() == 2


def test_it_pays_one_invoice_with_the_older_debt_before_it(client, invoiced):
    # Payments settle the oldest debt first (as penalties are charged): settling inv2
    # (20.00) takes inv1's 30.00 too, 50.00 in all; the payment still names inv2.
    p = invoiced
    client.force_login(p.alice)
    page = client.get(reverse("portal:pay") + f"?invoice={p.inv2.pk}").content.decode()
    assert "Pay invoice 2026-000002" in page and 'value="50.00"' in page
    online = start(client, {"invoice": p.inv2.pk, f"amount-{p.alice_account.pk}": "50.00"})
    client.post(reverse("portal:sandbox-page", args=[online.provider_payment_id]), {"action": "pay"})
    states = invoice_payment_status([p.inv1.pk, p.inv2.pk])
    assert states[p.inv2.pk].state == "paid" and states[p.inv1.pk].state == "paid"
    assert Payment.objects.get().invoice == p.inv2


def test_it_pays_a_chosen_amount_as_part_payment(client, invoiced):
    p = invoiced
    client.force_login(p.alice)
    online = start(client, {f"amount-{p.alice_account.pk}": "12,34", f"amount-{p.alice_second_account.pk}": ""})
    assert online.amount == Decimal("12.34")
    client.post(reverse("portal:sandbox-page", args=[online.provider_payment_id]), {"action": "pay"})
    assert invoice_payment_status([p.inv1.pk])[p.inv1.pk].state == "part_paid"


@pytest.mark.parametrize("bad", ["-5", "abc", "1.234", "0", ""])
def test_it_refuses_bad_amounts_and_creates_nothing(client, invoiced, bad):
    p = invoiced
    client.force_login(p.alice)
    response = client.post(reverse("portal:pay"), {f"amount-{p.alice_account.pk}": bad})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert OnlinePayment.objects.count() == 0


def test_a_declined_or_cancelled_payment_registers_nothing(client, invoiced):
    p = invoiced
    client.force_login(p.alice)
    for action, text, status in (("decline", "declined", "declined"), ("cancel", "cancelled", "cancelled")):
        online = start(client, {f"amount-{p.alice_account.pk}": "50.00"})
        response = client.post(reverse("portal:sandbox-page", args=[online.provider_payment_id]), {"action": action})
        page = client.get(response["Location"]).content.decode()
        assert f"The payment was {text}" in page
        online.refresh_from_db()
        assert online.status == status
    assert Payment.objects.count() == 0
    assert account_balance(p.alice_account.pk) == Decimal("50.00")


def test_a_duplicate_notification_registers_one_payment(client, invoiced):
    p = invoiced
    client.force_login(p.alice)
    online = start(client, {f"amount-{p.alice_account.pk}": "50.00"})
    client.post(reverse("portal:sandbox-page", args=[online.provider_payment_id]), {"action": "pay", "twice": "1"})
    assert SandboxCharge.objects.get().notifications_sent == 2
    assert notify(client, online.provider_payment_id).status_code == 200  # and a third one over HTTP
    assert Payment.objects.count() == 1
    assert account_balance(p.alice_account.pk) == Decimal("0.00")


def test_a_delayed_notification_is_settled_by_the_return_page_and_then_ignored(client, invoiced):
    p = invoiced
    client.force_login(p.alice)
    online = start(client, {f"amount-{p.alice_account.pk}": "30.00"})
    client.post(reverse("portal:sandbox-page", args=[online.provider_payment_id]), {"action": "pay", "delay": "1"})
    assert Payment.objects.count() == 0  # no notification yet
    page = client.get(reverse("portal:pay-return", args=[online.pk])).content.decode()
    assert "your payment is registered" in page  # the return page asked the provider
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=5)):
        call_command("sandbox_notify", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert SandboxCharge.objects.get().notifications_sent == 1
    assert Payment.objects.count() == 1


def test_a_pending_payment_shows_waiting_then_the_notification_registers_it(client, invoiced):
    p = invoiced
    client.force_login(p.alice)
    online = start(client, {f"amount-{p.alice_account.pk}": "30.00"})
    page = client.get(reverse("portal:pay-return", args=[online.pk])).content.decode()
    assert "Waiting for the bank" in page
    SandboxCharge.objects.filter(pk=online.provider_payment_id).update(status="succeeded")
    assert notify(client, online.provider_payment_id).status_code == 200
    assert Payment.objects.get().amount == Decimal("30.00")


def test_tampered_notifications_change_nothing(client, invoiced):
    p = invoiced
    client.force_login(p.alice)
    online = start(client, {f"amount-{p.alice_account.pk}": "50.00"})
    charge_id = online.provider_payment_id
    SandboxCharge.objects.filter(pk=charge_id).update(status="succeeded")

    def more(body):
        data = json.loads(body)
        data["object"]["amount"]["value"] = "5000.00"
        return json.dumps(data).encode()

    def other_account(body):
        data = json.loads(body)
        data["object"]["metadata"]["account"] = str(p.bob_account.pk)
        return json.dumps(data).encode()

    assert notify(client, charge_id, tamper=more).status_code == 400
    assert notify(client, charge_id, tamper=other_account).status_code == 400
    assert notify(client, charge_id, signature="0" * 64).status_code == 400
    assert Payment.objects.count() == 0
    # A correctly signed notification whose provider record disagrees with ours is refused too.
    SandboxCharge.objects.filter(pk=charge_id).update(amount=Decimal("1.00"))
    assert notify(client, charge_id).status_code == 400
    assert Payment.objects.count() == 0
    assert account_balance(p.alice_account.pk) == Decimal("50.00")


def test_a_notification_for_an_unknown_payment_is_refused(client, db):
    body = b'{"object": {"id": "sb_nope"}}'
    response = client.post(
        reverse("portal:payment-notify", args=["sandbox"]),
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(body)},
    )
    assert response.status_code == 400
    assert client.get(reverse("portal:payment-notify", args=["sandbox"])).status_code == 405


def test_bob_gets_404_for_alices_payment_pages(client, invoiced):
    p = invoiced
    client.force_login(p.alice)
    online = start(client, {f"amount-{p.alice_account.pk}": "50.00"})
    client.force_login(p.bob)
    assert client.get(reverse("portal:pay-return", args=[online.pk])).status_code == 404
    assert client.get(reverse("portal:pay") + f"?invoice={p.inv1.pk}").status_code == 404
    response = client.post(reverse("portal:pay"), {f"amount-{p.alice_account.pk}": "5.00"})
    assert OnlinePayment.objects.filter(user=p.bob).count() == 0
    assert response.status_code == 200
    page = client.get(reverse("portal:payment-history")).content.decode()
    assert "100001" not in page and "200001" in page


def test_anonymous_visitors_are_sent_to_login(client, invoiced):
    for url in (
        reverse("portal:pay"),
        reverse("portal:payment-history"),
        reverse("portal:pay-return", args=["00000000-0000-0000-0000-000000000000"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("portal:login") in response["Location"]


def test_a_readings_only_login_cannot_pay_or_see_payments(client, invoiced):
    from kabinet.customers.models import AccessRole, AccountAccess, User

    helper = User.objects.create_user(username="h", email="h@example.com", password="x" * 12)
    AccountAccess.objects.create(user=helper, account=invoiced.alice_account, role=AccessRole.READINGS)
    client.force_login(helper)
    assert client.get(reverse("portal:pay")).status_code == 404
    assert client.get(reverse("portal:payment-history")).status_code == 404


def test_staff_refund_a_paid_online_payment(client, invoiced):
    p = invoiced
    client.force_login(p.alice)
    online = start(client, {f"amount-{p.alice_account.pk}": "50.00"})
    client.post(reverse("portal:sandbox-page", args=[online.provider_payment_id]), {"action": "pay"})
    client.force_login(p.carol)
    response = client.post(
        reverse("admin:payments_onlinepayment_changelist"),
        {"action": "refund", "_selected_action": [str(online.pk)]},
    )
    assert response.status_code == 302
    online.refresh_from_db()
    assert online.status == "refunded"
    assert Payment.objects.get().status == "reversed"
    assert SandboxCharge.objects.get().status == "refunded"
    assert account_balance(p.alice_account.pk) == Decimal("50.00")
    # A second refund is refused with a message; nothing changes.
    client.post(
        reverse("admin:payments_onlinepayment_changelist"),
        {"action": "refund", "_selected_action": [str(online.pk)]},
    )
    assert account_balance(p.alice_account.pk) == Decimal("50.00")
