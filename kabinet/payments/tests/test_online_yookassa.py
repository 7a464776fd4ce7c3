"""YooKassa against payloads shaped as recorded from its API (v3), no network."""

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from kabinet.billing.selectors import account_balance
from kabinet.billing.services import LineSpec, invoice_create
from kabinet.payments.models import OnlinePayment, Payment
from kabinet.payments.online import online_payment_refund
from kabinet.payments.providers import ProviderError, yookassa

PAYMENT_ID = "2e7b5e1c-000f-5000-8000-1a2b3c4d5e6f"
CONFIRMATION_URL = f"https://yoomoney.ru/checkout/payments/v2/contract?orderId={PAYMENT_ID}"


def created_payload(amount: str) -> dict:
    return {
        "id": PAYMENT_ID,
        "status": "pending",
        "paid": False,
        "amount": {"value": amount, "currency": "RUB"},
        "confirmation": {"type": "redirect", "confirmation_url": CONFIRMATION_URL},
        "created_at": "2026-10-12T09:10:11.000Z",
        "description": "Utility payment, account 100001",
        "metadata": {},
        "recipient": {"account_id": "100500", "gateway_id": "100700"},
        "refundable": False,
        "test": True,
    }


def succeeded_payload(amount: str, **extra) -> dict:
    return {
        "id": PAYMENT_ID,
        "status": "succeeded",
        "paid": True,
        "amount": {"value": amount, "currency": "RUB"},
        "income_amount": {"value": amount, "currency": "RUB"},
        "captured_at": "2026-10-12T09:11:40.000Z",
        "created_at": "2026-10-12T09:10:11.000Z",
        "description": "Utility payment, account 100001",
        "metadata": {},
        "payment_method": {"type": "bank_card", "id": PAYMENT_ID, "saved": False, "title": "Bank card *4444"},
        "recipient": {"account_id": "100500", "gateway_id": "100700"},
        "refundable": True,
        "refunded_amount": {"value": "0.00", "currency": "RUB"},
        "test": True,
        **extra,
    }


class Recorder:
    def __init__(self):
        self.requests = []
        self.responses = {}

    def __call__(self, method, url, *, headers, body, timeout=20.0):
        self.requests.append((method, url, headers, json.loads(body) if body else None))
        status, payload = self.responses[(method, url.rsplit("/v3", 1)[1])]
        return status, json.dumps(payload).encode()


@pytest.fixture
def yk(settings, monkeypatch, ru_personas):
    settings.PAYMENT_PROVIDER = "yookassa"
    settings.YOOKASSA_SHOP_ID = "100500"
    settings.YOOKASSA_SECRET_KEY = "test_secret"
    settings.YOOKASSA_CHECK_IP = True
    recorder = Recorder()
    monkeypatch.setattr(yookassa, "transport", recorder)
    p = ru_personas
    invoice_create(
        account=p.alice_account,
        period=dt.date(2026, 9, 1),
        lines=[LineSpec(p.services["cold_water"], "Вода", Decimal("1"), "m3", Decimal("1250.00"), Decimal("0"))],
        issued_on=dt.date(2026, 10, 1),
        due_on=dt.date(2026, 10, 15),
    )
    p.recorder = recorder
    return p


def start(client, p, amount="1250.00"):
    p.recorder.responses[("POST", "/payments")] = (200, created_payload(amount))
    client.force_login(p.alice)
    response = client.post(reverse("portal:pay"), {f"amount-{p.alice_account.pk}": amount})
    assert response.status_code == 302
    assert response["Location"] == CONFIRMATION_URL
    return OnlinePayment.objects.get()


def notification(status_payload: dict, event="payment.succeeded") -> bytes:
    return json.dumps({"type": "notification", "event": event, "object": status_payload}).encode()


def post_notification(client, body, ip="185.71.76.5"):
    return client.post(
        reverse("portal:payment-notify", args=["yookassa"]),
        data=body,
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def test_it_creates_a_payment_with_auth_and_idempotence_key(client, yk):
    online = start(client, yk)
    method, url, headers, body = yk.recorder.requests[0]
    assert (method, url) == ("POST", "https://api.yookassa.ru/v3/payments")
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"100500:test_secret").decode()
    assert headers["Idempotence-Key"] == str(online.pk)
    assert body["amount"] == {"value": "1250.00", "currency": "RUB"}
    assert body["capture"] is True and body["confirmation"]["type"] == "redirect"
    assert body["confirmation"]["return_url"].endswith(reverse("portal:pay-return", args=[online.pk]))
    assert online.provider_payment_id == PAYMENT_ID and online.status == "pending"


def test_a_verified_notification_registers_the_payment_once(client, yk):
    online = start(client, yk)
    yk.recorder.responses[("GET", f"/payments/{PAYMENT_ID}")] = (200, succeeded_payload("1250.00"))
    body = notification(succeeded_payload("1250.00"))
    assert post_notification(client, body).status_code == 200
    assert post_notification(client, body).status_code == 200  # YooKassa redelivers
    assert Payment.objects.count() == 1
    assert account_balance(yk.alice_account.pk) == Decimal("0.00")
    online.refresh_from_db()
    assert online.status == "succeeded"


def test_a_notification_from_elsewhere_is_refused(client, yk):
    start(client, yk)
    yk.recorder.responses[("GET", f"/payments/{PAYMENT_ID}")] = (200, succeeded_payload("1250.00"))
    assert post_notification(client, notification(succeeded_payload("1250.00")), ip="203.0.113.9").status_code == 400
    assert Payment.objects.count() == 0


def test_the_body_is_never_trusted_only_the_api(client, yk):
    start(client, yk)
    # Forged "succeeded" while the API still says pending: nothing is registered.
    yk.recorder.responses[("GET", f"/payments/{PAYMENT_ID}")] = (200, created_payload("1250.00"))
    assert post_notification(client, notification(succeeded_payload("1250.00"))).status_code == 200
    assert Payment.objects.count() == 0
    # The API reports another amount than we asked for: refused.
    yk.recorder.responses[("GET", f"/payments/{PAYMENT_ID}")] = (200, succeeded_payload("1.00"))
    assert post_notification(client, notification(succeeded_payload("1.00"))).status_code == 400
    assert Payment.objects.count() == 0


def test_a_cancelled_payment_shows_declined(client, yk):
    online = start(client, yk)
    cancelled = {
        **created_payload("1250.00"),
        "status": "canceled",
        "cancellation_details": {"party": "payment_network", "reason": "insufficient_funds"},
    }
    yk.recorder.responses[("GET", f"/payments/{PAYMENT_ID}")] = (200, cancelled)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal:pay-return", args=[online.pk])).content.decode()
    online.refresh_from_db()
    assert online.status == "declined" and online.failure == "insufficient_funds"
    assert "The payment was declined" in page and "No money was taken" in page


def test_a_refund_reverses_the_payment(client, yk):
    online = start(client, yk)
    yk.recorder.responses[("GET", f"/payments/{PAYMENT_ID}")] = (200, succeeded_payload("1250.00"))
    post_notification(client, notification(succeeded_payload("1250.00")))
    yk.recorder.responses[("POST", "/refunds")] = (
        200,
        {
            "id": "2e7b5e1c-0015-5000-9000-1a2b3c4d5e70",
            "payment_id": PAYMENT_ID,
            "status": "succeeded",
            "amount": {"value": "1250.00", "currency": "RUB"},
            "created_at": "2026-10-13T10:00:00.000Z",
        },
    )
    online_payment_refund(online=online, actor=yk.carol)
    method, url, headers, body = yk.recorder.requests[-1]
    assert url.endswith("/refunds") and body["payment_id"] == PAYMENT_ID
    assert headers["Idempotence-Key"] == f"refund-{online.pk}"
    assert Payment.objects.get().status == "reversed"
    assert account_balance(yk.alice_account.pk) == Decimal("1250.00")


def test_an_api_error_is_a_clear_message_and_no_payment(client, yk):
    yk.recorder.responses[("POST", "/payments")] = (
        401,
        {"type": "error", "id": "x", "code": "invalid_credentials", "description": "Authentication error"},
    )
    client.force_login(yk.alice)
    response = client.post(reverse("portal:pay"), {f"amount-{yk.alice_account.pk}": "10.00"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert OnlinePayment.objects.get().status == "cancelled"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
_payment_like = st.fixed_dictionaries(
    {
        "id": st.one_of(st.text(max_size=20), _json),
        "status": st.one_of(st.sampled_from(["pending", "succeeded", "canceled", "waiting_for_capture"]), _json),
        "amount": st.one_of(
            st.fixed_dictionaries(
                {"value": st.one_of(st.sampled_from(["10.00", "1e3", "NaN", "-1", "x"]), _json), "currency": _json}
            ),
            _json,
        ),
    },
    optional={
        "refunded_amount": _json,
        "metadata": _json,
        "cancellation_details": _json,
        "payment_method": st.one_of(_json, st.fixed_dictionaries({"saved": _json, "id": _json, "card": _json})),
    },
)


@given(data=st.one_of(_payment_like, st.dictionaries(st.text(max_size=8), _json, max_size=4)))
def test_any_payment_object_is_read_or_refused_as_unexpected(data):
    """What YooKassa's API answers is read in its documented shape or refused with
    ProviderError (the payment stays pending and is asked again): never a crash."""
    try:
        remote = yookassa._remote(data)
    except ProviderError:
        return
    assert isinstance(remote.provider_payment_id, str) and isinstance(remote.amount, Decimal)
    assert isinstance(remote.metadata, dict) and isinstance(remote.failure, str)
