"""Erasing the demo customer's login: staff approve, no personal value of the login is
left in any table (searched by value), and the kept records sum to the same balances."""

import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Count, Q, Sum, TextField
from django.db.models.functions import Cast
from django.urls import reverse

from kabinet.billing.models import Invoice, LedgerEntry
from kabinet.customers.models import Customer, User
from kabinet.demo import constants as c
from kabinet.meters.models import Reading
from kabinet.notifications.models import OutboxMessage
from kabinet.payments.models import Payment
from kabinet.privacy.models import ErasureRequest, RequestStatus
from kabinet.privacy.services import erasure_decide, erasure_request_create
from kabinet.privacy.tests.conftest import ALICE_PHONE
from kabinet.reception.models import Message
from kabinet.test import PASSWORD
from kabinet.utility.exceptions import ApplicationError

TEXT = (models.CharField, models.TextField, models.EmailField, models.JSONField)


def tables_holding(value: str) -> dict[str, int]:
    """{table: rows} of every table with `value` (case-insensitive) in a text or JSON column."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        condition = models.Q(pk__in=[])
        qs = model.objects.all()
        for field in model._meta.concrete_fields:
            if isinstance(field, models.JSONField):
                qs = qs.annotate(**{f"{field.name}__text": Cast(field.name, TextField())})
                condition |= models.Q(**{f"{field.name}__text__icontains": value})
            elif isinstance(field, TEXT):
                condition |= models.Q(**{f"{field.name}__icontains": value})
        n = qs.filter(condition).count()
        if n:
            found[model._meta.label] = n
    return found


def balances(accounts) -> dict:
    return {
        "ledger": dict(
            LedgerEntry.objects.filter(account__in=accounts)
            .values("account_id")
            .annotate(s=Sum("amount"))
            .values_list("account_id", "s")
        ),
        "invoices": Invoice.objects.filter(account__in=accounts).aggregate(n=Count("id"), s=Sum("amount_due")),
        "payments": Payment.objects.filter(account__in=accounts).aggregate(n=Count("id"), s=Sum("amount")),
        "readings": Reading.objects.filter(meter__premises__accounts__in=accounts).count(),
    }


def approve_in_office(client, staff, request: ErasureRequest):
    client.force_login(staff)
    return client.post(
        reverse("admin:privacy_erasurerequest_changelist"),
        {"action": "approve", ACTION_CHECKBOX_NAME: [request.pk]},
    )


def customer_service() -> User:
    user = User.objects.create_user(username="cs", email="cs@utility.example", password=PASSWORD, is_staff=True)
    user.groups.set([Group.objects.get(name="Customer service")])
    return user


def test_approved_erasure_leaves_no_value_of_the_login_and_the_same_balances(demo, client):
    alice = demo
    alice.set_password(PASSWORD)
    alice.save()
    email, username, user_pk, customer = alice.email, alice.username, alice.pk, alice.customer
    # The demo and the fixture put them about.
    assert tables_holding(email) and tables_holding(ALICE_PHONE) and tables_holding("+37129123456")
    accounts = [a.account for a in alice.account_accesses.select_related("account")]
    before = balances(accounts)
    assert before["invoices"]["n"] == 24 and before["payments"]["n"] > 0 and before["readings"] > 0

    # The customer asks, confirming with her password; the page shows what is kept.
    client.force_login(alice)
    page = client.get(reverse("portal:privacy-erasure")).content.decode()
    assert accounts[0].number in page and "31.12.20" in page
    response = client.post(reverse("portal:privacy-erasure"), {"password": "wrong", "understood": "on"})
    assert response.status_code == 200 and response.context["form"].errors["password"]
    assert not ErasureRequest.objects.exists()
    client.post(reverse("portal:privacy-erasure"), {"password": PASSWORD, "understood": "on"})
    request = ErasureRequest.objects.get(user=alice, status=RequestStatus.PENDING)
    alices_session = client.cookies["sessionid"].value

    # Customer service approves it in the back office.
    from django.test import Client

    office = Client()
    response = approve_in_office(office, customer_service(), request)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.decided_by.username == "cs"
    assert request.report["customers.User"] == 1

    # No table holds her e-mail, phone or username any more.
    for value in (email, ALICE_PHONE, "+37129123456", username):
        assert tables_holding(value) == {}, value
    # Her name stays only where it names the contract party of the kept records (others
    # of the demo share her surname, so her own rows are checked).
    login = User.objects.get(pk=user_pk)
    assert login.username == f"erased-{user_pk}" and not login.is_active and not login.has_usable_password()
    assert (login.first_name, login.last_name, login.email, login.phone) == ("", "", "", "")
    assert not OutboxMessage.objects.filter(user=login).filter(
        Q(body_text__contains="Alise") | Q(subject__contains="Alise") | ~Q(to="")
    )
    assert set(Message.objects.filter(user=login).values_list("name", "email", "phone", "ip")) == {
        ("[erased]", "", "", None)
    }
    assert not login.account_accesses.exists()
    assert Message.objects.filter(user=login).exists()  # her letters stay, without her

    # The accounts' records are all there and add up to the same.
    assert balances(accounts) == before
    assert Customer.objects.get(pk=customer.pk).last_name == customer.last_name

    # She is logged out everywhere and cannot log in again.
    client.cookies["sessionid"] = alices_session
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]
    assert not client.login(username=username, password=PASSWORD)

    # Bob is untouched.
    assert User.objects.get(email=c.BOB_EMAIL).is_active


def test_roles_without_the_permission_cannot_approve(personas, client):
    request = erasure_request_create(user=personas.bob, password=PASSWORD)
    operator = User.objects.create_user(username="op", password=PASSWORD, is_staff=True)
    operator.groups.set([Group.objects.get(name="Operator")])
    response = approve_in_office(client, operator, request)
    assert response.status_code == 403
    client.force_login(personas.dave)  # every view permission, no change
    client.post(
        reverse("admin:privacy_erasurerequest_changelist"), {"action": "approve", ACTION_CHECKBOX_NAME: [request.pk]}
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert User.objects.get(pk=personas.bob.pk).email == "bob@example.com"


def test_a_refusal_needs_an_answer_and_erases_nothing(personas):
    request = erasure_request_create(user=personas.bob, password=PASSWORD)
    with pytest.raises(ApplicationError):
        erasure_decide(request=request, approve=False, actor=personas.carol, answer="")
    erasure_decide(request=request, approve=False, actor=personas.carol, answer="There is a court case.")
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert User.objects.get(pk=personas.bob.pk).email == "bob@example.com"
    with pytest.raises(ApplicationError):
        erasure_decide(request=request, approve=True, actor=personas.carol)


def test_a_customer_withdraws_a_pending_request_and_cannot_ask_twice(personas, client):
    client.force_login(personas.alice)
    client.post(reverse("portal:privacy-erasure"), {"password": PASSWORD, "understood": "on"})
    with pytest.raises(ApplicationError):
        erasure_request_create(user=personas.alice, password=PASSWORD)
    client.post(reverse("portal:privacy-erasure-cancel"))
    assert ErasureRequest.objects.get(user=personas.alice).status == RequestStatus.WITHDRAWN
    client.force_login(personas.bob)
    assert client.post(reverse("portal:privacy-erasure-cancel")).status_code == 404


def test_staff_logins_are_not_erased_this_way(personas):
    with pytest.raises(ApplicationError):
        erasure_request_create(user=personas.carol, password=PASSWORD)


def test_the_retention_is_the_utilitys(personas, client):
    from kabinet.privacy.models import PrivacyPolicy

    PrivacyPolicy.objects.create(retention_years=7, retention_basis_en="Our own rule")
    client.cookies["django_language"] = "en"
    client.force_login(personas.alice)
    page = client.get(reverse("portal:privacy-erasure")).content.decode()
    assert "7 years" in page and "Our own rule" in page


def test_the_bots_messages_to_her_chats_go_and_others_stay(personas):
    import datetime as dt

    from django.utils import timezone

    from kabinet.privacy.erasure import login_erase
    from kabinet.telegram.models import OutgoingMessage, TelegramChat

    now = timezone.now()
    TelegramChat.objects.create(chat_id=111, user=personas.alice, linked_at=now)
    TelegramChat.objects.create(chat_id=222, user=personas.bob, linked_at=now)
    for chat_id in (111, 111, 222):
        OutgoingMessage.objects.create(chat_id=chat_id, text="Balance: 12.34", next_attempt_at=now + dt.timedelta(1))

    report = login_erase(user=personas.alice)

    assert report["telegram.OutgoingMessage"] == 2
    assert list(OutgoingMessage.objects.values_list("chat_id", flat=True)) == [222]
    assert not TelegramChat.objects.filter(chat_id=111).exists()
