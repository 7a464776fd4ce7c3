"""Alice's and Bob's things for the API's tests: for every capability, one of each, so
that every operation can be tried on its own customer's object and on another's."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kabinet.billing.models import Invoice
from kabinet.billing.tests.factories import bill_and_publish, reading, tariff
from kabinet.customers import services as customer_services
from kabinet.customers.models import AccessRole, AccountAccess, User
from kabinet.customers.services.api_tokens import api_token_create
from kabinet.news.models import News, Outage
from kabinet.payments.services import payment_register
from kabinet.reception.services import reception_message_send, reception_reply
from kabinet.servicedesk.models import Category, RequestStatus
from kabinet.servicedesk.services import request_file, request_set_status
from kabinet.test import png_bytes

# Inside the reading window, after the October invoices were issued.
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def _request(user, account, *, done=False, staff=None):
    req = request_file(
        user=user,
        account=account,
        category=Category.objects.get(code="leak"),
        description="Leak under the sink",
        phone="20000000",
        photos=[SimpleUploadedFile("sink.png", png_bytes())],
    )
    if done:
        for status in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS, RequestStatus.DONE):
            req = request_set_status(request=req, status=status, actor=staff)
    return req


def _mandate(user, account):
    """An automatic payment with a saved card (kabinet/autopay), switched on."""
    from kabinet.autopay.models import Mandate, SavedMethod

    card = SavedMethod.objects.create(user=user, provider="sandbox", token=f"pm_{user.pk}", last4="4242")
    return Mandate.objects.create(
        user=user, account=account, method=card, mode="on_issue", max_amount=Decimal("100.00"), status="active"
    )


def _meter_photo(user, meter):
    """A photo of the meter sent before a reading (kabinet/meters/photos.py)."""
    from kabinet.meters.photos import reading_photo_store

    return reading_photo_store(
        meter=meter, upload=SimpleUploadedFile("meter.png", png_bytes()), user=user, source="api"
    )


def build(p) -> SimpleNamespace:
    """Alice's and Bob's invoices, payments, requests, messages, invitations, co-users,
    tokens; news and an outage on their street. Returns p with `.own` (alice's ids) and
    `.other` (bob's)."""
    tariff(p.services["cold_water"], "1.20")
    tariff(p.services["hot_water"], "4.50")
    for period, value in ((dt.date(2026, 9, 1), "10"), (dt.date(2026, 10, 1), "15")):
        reading(p.alice_cold, period, value)
        reading(p.alice_hot, period, value)
        reading(p.bob_cold, period, value)
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)):
        bill_and_publish(dt.date(2026, 10, 1))
        payment_register(
            account=p.alice_account,
            amount=Decimal("5.00"),
            paid_on=dt.date(2026, 11, 2),
            channel="bank",
            external_id="a1",
        )
        payment_register(
            account=p.bob_account,
            amount=Decimal("3.00"),
            paid_on=dt.date(2026, 11, 2),
            channel="bank",
            external_id="b1",
        )
    news = News.objects.create(title_en="Water quality", title_lv="Ūdens kvalitāte", body_en="Good", body_lv="Laba")
    outage = Outage.objects.create(
        service=p.services["cold_water"],
        title_en="Pipe works",
        title_lv="Cauruļu darbi",
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(days=1),
    )
    outage.buildings.add(p.alice_account.premises.building)  # alice's and bob's house
    sides = {}
    for name, user, account in (("own", p.alice, p.alice_account), ("other", p.bob, p.bob_account)):
        co_user = User.objects.create_user(username=f"co-{name}@example.com", email=f"co-{name}@example.com")
        co_access = AccountAccess.objects.create(user=co_user, account=account, role=AccessRole.READINGS)
        invitation = customer_services.invitation_send(
            account=account, email=f"guest-{name}@example.com", role=AccessRole.READINGS, actor=user
        )
        req = _request(user, account)
        done = _request(user, account, done=True, staff=p.carol)
        message = reception_message_send(kind="question", subject="Hot water", text="When?", user=user)
        reception_reply(message=message, author=p.carol, text="Tomorrow.")  # now the customer may reply
        token, _secret = api_token_create(user=user, name=f"spare-{name}")
        sides[name] = SimpleNamespace(
            user=user,
            account=account.pk,
            meter=(p.alice_cold if name == "own" else p.bob_cold).pk,
            invoice=Invoice.objects.get(account=account).pk,
            request=req.pk,
            photo=req.photos.get().pk,
            meter_photo=_meter_photo(user, p.alice_cold if name == "own" else p.bob_cold).pk,
            done=done.pk,
            message=message.pk,
            invitation=invitation.pk,
            co_access=co_access.pk,
            token=token.pk,
            mandate=_mandate(user, account).pk,
            category=Category.objects.get(code="leak").pk,
        )
    p.own, p.other, p.news, p.outage = sides["own"], sides["other"], news, outage
    return p
