"""Automatic payment through the portal with the sandbox provider: setting it up on the
provider's page, a charge on day N, a payment before the day, stopping it in one click,
and who may see and stop it."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from kabinet.autopay.models import Attempt, Mandate, SavedMethod
from kabinet.autopay.services import autopay_charge_due, autopay_schedule_run
from kabinet.autopay.tests.conftest import OCT
from kabinet.billing.models import Invoice
from kabinet.billing.selectors import account_balance
from kabinet.billing.services import billing_run, billing_run_publish
from kabinet.customers.models import AccessRole, AccountAccess
from kabinet.notifications.models import OutboxMessage
from kabinet.payments.models import OnlinePayment, Payment, SandboxCharge
from kabinet.payments.providers import sandbox as sandbox_provider
from kabinet.payments.services import payment_register

RIGA = ZoneInfo("Europe/Riga")


def at(day: dt.date, hour: int = 10, minute: int = 5):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=RIGA), tick=False)


def switch_on(client, p, *, account=None, mode="day_of_month", day="20", max_amount="50,00") -> Mandate:
    """Alice fills the form, pays 1.00 on the sandbox's page saving the card, comes back."""
    account = account or p.alice_account
    client.force_login(p.alice)
    response = client.post(
        reverse("autopay:home"), {"account": account.pk, "mode": mode, "day": day, "max_amount": max_amount}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    charge = SandboxCharge.objects.get(status="pending")
    assert response["Location"] == reverse("portal:sandbox-page", args=[charge.pk])
    response = client.post(response["Location"], {"action": "pay"})
    page = client.get(response["Location"], follow=True)
    assert "Your card is saved and automatic payment is on." in page.content.decode()
    return Mandate.objects.get(account=account, status="active")


def publish(django_capture_on_commit_callbacks, p):
    with django_capture_on_commit_callbacks(execute=True):
        billing_run_publish(run=billing_run(period=OCT, actor=p.carol), actor=p.carol)
    return Invoice.objects.get(account=p.alice_account)


def test_it_charges_on_day_n_once_even_with_a_repeated_notification(
    client, sandbox, django_capture_on_commit_callbacks
):
    p = sandbox
    with at(dt.date(2026, 11, 5)):
        mandate = switch_on(client, p)
        assert (mandate.mode, mandate.day, mandate.max_amount) == ("day_of_month", 20, Decimal("50.00"))
        assert SavedMethod.objects.get().label.endswith("•••• 4242 (12/29)")
        invoice = publish(django_capture_on_commit_callbacks, p)
    # 10 m³ × 1.20 = 12.00 + 21 % VAT = 14.52; 2 m³ × 4.50 = 9.00 + 21 % VAT = 10.89;
    # 14.52 + 10.89 = 25.41, invoiced on 10.11; less the 1.00 credit from the card's setup = 24.41.
    assert (invoice.issued_on, invoice.total, invoice.amount_due) == (
        dt.date(2026, 11, 10),
        Decimal("25.41"),
        Decimal("24.41"),
    )
    attempt = Attempt.objects.get()
    assert attempt.next_try == dt.datetime(2026, 11, 20, 10, 0, tzinfo=RIGA)
    notice = OutboxMessage.objects.get(dedupe_key=f"autopay-notice:{attempt.pk}")
    # Sent with the invoice, from the invoice day on.
    assert notice.next_attempt_at == dt.datetime(2026, 11, 10, 8, 0, tzinfo=RIGA)
    assert "20.11.2026" in notice.body_text and "24,41" in notice.body_text
    with at(dt.date(2026, 11, 10)):
        assert autopay_charge_due() == 0
    with at(dt.date(2026, 11, 20)):
        assert autopay_charge_due() == 1
    attempt.refresh_from_db()
    assert (attempt.status, attempt.amount) == ("succeeded", Decimal("24.41"))
    payment = Payment.objects.get(invoice=invoice)
    assert payment.amount == Decimal("24.41") and payment.account == p.alice_account
    # The sandbox's own notification arrives a minute later: nothing more is registered.
    with at(dt.date(2026, 11, 20), minute=7):
        assert sandbox_provider.deliver_due() == 1
        assert autopay_charge_due() == 0
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert account_balance(p.alice_account.pk) == Decimal("0.00")
    # The payments page shows it, with the invoice it paid, and links the settings.
    with at(dt.date(2026, 11, 20), minute=9):
        client.force_login(p.alice)
        page = client.get(reverse("portal:payment-history")).content.decode()
    assert re.search(r"24[.,]41", page) and invoice.number in page
    assert reverse("autopay:home") in page


def test_a_payment_before_the_day_lowers_the_charge(client, sandbox, django_capture_on_commit_callbacks):
    p = sandbox
    with at(dt.date(2026, 11, 5)):
        switch_on(client, p)
        invoice = publish(django_capture_on_commit_callbacks, p)
    with at(dt.date(2026, 11, 15)):
        payment_register(
            account=p.alice_account, amount=Decimal("10.00"), paid_on=dt.date(2026, 11, 15), channel="bank"
        )
    with at(dt.date(2026, 11, 20)):
        autopay_charge_due()
    # 24.41 − 10.00 = 14.41
    assert Attempt.objects.get().amount == Decimal("14.41")
    assert Payment.objects.get(invoice=invoice).amount == Decimal("14.41")
    assert account_balance(p.alice_account.pk) == Decimal("0.00")


def test_a_paid_invoice_is_not_charged(client, sandbox, django_capture_on_commit_callbacks):
    p = sandbox
    with at(dt.date(2026, 11, 5)):
        switch_on(client, p)
        publish(django_capture_on_commit_callbacks, p)
    with at(dt.date(2026, 11, 12)):
        payment_register(
            account=p.alice_account, amount=Decimal("24.41"), paid_on=dt.date(2026, 11, 12), channel="bank"
        )
    with at(dt.date(2026, 11, 20)):
        autopay_charge_due()
    assert Attempt.objects.get().status == "not_needed"
    assert OnlinePayment.objects.count() == 1  # only the setup


def test_publishing_plans_each_invoice_once(client, sandbox, django_capture_on_commit_callbacks):
    p = sandbox
    with at(dt.date(2026, 11, 5)):
        switch_on(client, p)
        invoice = publish(django_capture_on_commit_callbacks, p)
        assert autopay_schedule_run(run_id=invoice.run_id) == 0  # the safety net: nothing new
    assert Attempt.objects.count() == 1
    assert OutboxMessage.objects.filter(dedupe_key__startswith="autopay-notice").count() == 1


def test_a_sandbox_card_that_declines_is_retried(client, sandbox, django_capture_on_commit_callbacks):
    p = sandbox
    with at(dt.date(2026, 11, 5)):
        switch_on(client, p)
        publish(django_capture_on_commit_callbacks, p)
    sandbox_provider.card_failure_set(token=SavedMethod.objects.get().token, reason="insufficient_funds")
    with at(dt.date(2026, 11, 20)):
        autopay_charge_due()
    attempt = Attempt.objects.get()
    assert (attempt.status, attempt.failure) == ("retry", "insufficient_funds")
    assert attempt.next_try == dt.datetime(2026, 11, 21, 10, 0, tzinfo=RIGA)
    sandbox_provider.card_failure_set(token=SavedMethod.objects.get().token)
    with at(dt.date(2026, 11, 21)):
        autopay_charge_due()
    attempt.refresh_from_db()
    assert (attempt.status, attempt.tries) == ("succeeded", 2)


def test_stop_in_one_click_cancels_the_waiting_charge(client, sandbox, django_capture_on_commit_callbacks):
    p = sandbox
    with at(dt.date(2026, 11, 5)):
        mandate = switch_on(client, p)
        publish(django_capture_on_commit_callbacks, p)
        confirm = client.get(reverse("autopay:stop", args=[mandate.pk]))
        assert confirm.status_code == 200 and "Stop automatic payment" in confirm.content.decode()
        response = client.post(reverse("autopay:stop", args=[mandate.pk]))
        assert response.status_code == 302
        assert client.post(reverse("autopay:stop", args=[mandate.pk])).status_code == 302  # second click
    mandate.refresh_from_db()
    assert mandate.status == "stopped"
    assert Attempt.objects.get().status == "cancelled"
    with at(dt.date(2026, 11, 20)):
        assert autopay_charge_due() == 0
    assert OnlinePayment.objects.count() == 1
    assert OutboxMessage.objects.filter(dedupe_key=f"autopay:{mandate.pk}:stopped").count() == 1


def test_a_saved_card_switches_it_on_again_without_the_payment_page(client, sandbox):
    p = sandbox
    with at(dt.date(2026, 11, 5)):
        first = switch_on(client, p)
        client.post(reverse("autopay:stop", args=[first.pk]))
        card = SavedMethod.objects.get()
        response = client.post(
            reverse("autopay:home"),
            {"account": p.alice_account.pk, "mode": "on_issue", "max_amount": "80", "method": card.pk},
        )
    assert response.status_code == 302 and response["Location"] == reverse("autopay:home")
    again = Mandate.objects.get(status="active")
    assert again.method == card and again.mode == "on_issue" and again.day is None
    assert OnlinePayment.objects.count() == 1


def test_bad_input_changes_nothing(client, sandbox):
    p = sandbox
    client.force_login(p.alice)
    for data in (
        {"account": p.alice_account.pk, "mode": "day_of_month", "day": "", "max_amount": "50"},
        {"account": p.alice_account.pk, "mode": "day_of_month", "day": "31", "max_amount": "50"},
        {"account": p.alice_account.pk, "mode": "on_issue", "max_amount": "-5"},
        {"account": p.alice_account.pk, "mode": "on_issue", "max_amount": "12.345"},
        {"account": p.bob_account.pk, "mode": "on_issue", "max_amount": "50"},
    ):
        assert client.post(reverse("autopay:home"), data).status_code == 400
    assert not Mandate.objects.exists() and not OnlinePayment.objects.exists()


def test_another_customer_cannot_see_or_stop_it(client, sandbox):
    p = sandbox
    with at(dt.date(2026, 11, 5)):
        mandate = switch_on(client, p)
    client.force_login(p.bob)
    page = client.get(reverse("autopay:home")).content.decode()
    assert p.alice_account.number not in page
    assert client.get(reverse("autopay:stop", args=[mandate.pk])).status_code == 404
    assert client.post(reverse("autopay:stop", args=[mandate.pk])).status_code == 404
    # A household member who may pay but does not hold the account cannot manage it either.
    AccountAccess.objects.create(user=p.bob, account=p.alice_account, role=AccessRole.READINGS_INVOICES)
    assert client.post(reverse("autopay:stop", args=[mandate.pk])).status_code == 404
    assert (
        client.post(
            reverse("autopay:home"), {"account": p.alice_account.pk, "mode": "on_issue", "max_amount": "50"}
        ).status_code
        == 400
    )
    mandate.refresh_from_db()
    assert mandate.status == "active"
    client.logout()
    response = client.post(reverse("autopay:stop", args=[mandate.pk]))
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]


def test_the_page_has_a_bounded_number_of_queries(
    client, sandbox, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    p = sandbox
    with at(dt.date(2026, 11, 5)):
        switch_on(client, p)
        switch_on(client, p, account=p.alice_second_account, mode="on_issue", day="")
        publish(django_capture_on_commit_callbacks, p)
        with django_assert_max_num_queries(16):
            page = client.get(reverse("autopay:home"))
    assert page.status_code == 200
    body = page.content.decode()
    assert p.alice_account.number in body and p.alice_second_account.number in body


def test_staff_see_it_and_auditors_cannot_stop_it(client, sandbox):
    p = sandbox
    with at(dt.date(2026, 11, 5)):
        mandate = switch_on(client, p)
    client.force_login(p.dave)
    assert client.get(reverse("admin:autopay_mandate_changelist")).status_code == 200
    page = client.get(reverse("admin:autopay_mandate_change", args=[mandate.pk]))
    assert page.status_code == 200
    client.post(reverse("admin:autopay_mandate_changelist"), {"action": "stop", "_selected_action": [mandate.pk]})
    mandate.refresh_from_db()
    assert mandate.status == "active"
    client.force_login(p.carol)
    client.post(reverse("admin:autopay_mandate_changelist"), {"action": "stop", "_selected_action": [mandate.pk]})
    mandate.refresh_from_db()
    assert mandate.status == "stopped"


def test_a_double_click_on_switch_on_goes_to_the_same_payment_page(client, sandbox):
    p = sandbox
    client.force_login(p.alice)
    data = {"account": p.alice_account.pk, "mode": "on_issue", "max_amount": "50"}
    first = client.post(reverse("autopay:home"), data)
    second = client.post(reverse("autopay:home"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Mandate.objects.count() == 1 and OnlinePayment.objects.count() == 1


def test_erasing_the_login_removes_its_cards_and_automatic_payments(
    client, sandbox, django_capture_on_commit_callbacks
):
    from kabinet.privacy.erasure import login_erase

    p = sandbox
    with at(dt.date(2026, 11, 5)):
        switch_on(client, p)
        publish(django_capture_on_commit_callbacks, p)
    report = login_erase(user=p.alice)
    # The mandate and its one attempt; the card.
    assert report["autopay.Mandate"] == 2 and report["autopay.SavedMethod"] == 1
    assert not Mandate.objects.exists() and not SavedMethod.objects.exists() and not Attempt.objects.exists()
    assert Payment.objects.filter(account=p.alice_account).count() == 1  # the 1.00 stays: accounting
