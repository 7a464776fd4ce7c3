"""Online payment with no provider configured (production's default), and the sandbox's
guard: outside the demo nobody can credit an account by clicking "pay"."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.payments.models import OnlinePayment, Payment, SandboxCharge
from kabinet.payments.providers.sandbox import SIGNATURE_HEADER, deliver_due, notification_body, sign


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def alice_owes(personas):
    invoice_create(
        account=personas.alice_account,
        period=dt.date(2026, 9, 1),
        lines=[LineSpec(personas.services["cold_water"], "Water", Decimal("1"), "m3", Decimal("42.68"), Decimal("0"))],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )
    return personas


@pytest.fixture
def no_provider(settings):
    settings.PAYMENT_PROVIDER = ""


def test_it_shows_the_bank_details_instead_of_a_payment_form(client, alice_owes, no_provider):
    client.force_login(alice_owes.alice)
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert "How to pay" in dashboard and "Pay online" not in dashboard
    page = client.get(reverse("portal:pay")).content.decode()
    assert "Online payment is not available here" in page
    assert alice_owes.alice_account.number in page and "42.68" in page
    assert 'name="amount-' not in page


def test_it_starts_no_payment_when_posted_to(client, alice_owes, no_provider):
    client.force_login(alice_owes.alice)
    response = client.post(reverse("portal:pay"), {f"amount-{alice_owes.alice_account.pk}": "42.68"})
    assert response.status_code == 200
    assert "Online payment is not available here" in response.content.decode()
    assert not OnlinePayment.objects.exists() and not SandboxCharge.objects.exists()


def sandbox_charge_paid_earlier(personas):
    """A charge left from when the sandbox was on, paid but not yet notified."""
    return SandboxCharge.objects.create(
        id="sb_leftover",
        amount=Decimal("50.00"),
        currency="EUR",
        description="left over",
        return_url="/",
        metadata={"online_payment": "1"},
        status="succeeded",
        notify_due=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )


def test_it_closes_every_door_of_the_sandbox_when_it_is_not_the_provider(client, alice_owes, settings):
    charge = sandbox_charge_paid_earlier(alice_owes)
    charge.status = "pending"
    charge.save()
    for provider in ("", "yookassa"):
        settings.PAYMENT_PROVIDER = provider
        client.force_login(alice_owes.alice)
        page = reverse("portal:sandbox-page", args=[charge.pk])
        assert client.get(page).status_code == 404
        assert client.post(page, {"action": "pay"}).status_code == 404
        body = notification_body(charge)
        response = client.post(
            reverse("portal:payment-notify", args=["sandbox"]),
            data=body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: sign(body)},
        )
        assert response.status_code == 404
        charge.refresh_from_db()
        assert charge.status == "pending"
    assert deliver_due() == 0
    assert not Payment.objects.exists()


def test_it_says_on_the_pay_page_that_the_sandbox_moves_no_money(client, alice_owes):
    client.force_login(alice_owes.alice)
    page = client.get(reverse("portal:pay")).content.decode()
    assert "Test mode: this server has no real payment service" in page
