"""Every URL of the customer portal and every API operation, as anonymous, another
customer, staff (superuser and read-only) and the owner; generated from the URL
configuration and the OpenAPI schema, so a new URL without an entry here fails.

The back office's own matrix (every action and custom page × every role) is in
kabinet/office/tests/test_access_matrix.py."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import get_resolver, reverse

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.customers.models import AccessRole, AccountAccess, ApiToken, Invitation
from kabinet.customers.services import invitation_send
from kabinet.customers.services.api_tokens import api_token_create
from kabinet.meters.models import Reading, ReadingPhoto
from kabinet.news.models import News
from kabinet.payments.models import OnlinePayment
from kabinet.payments.online import PayLine, online_payment_start
from kabinet.reception.services import reception_message_send
from kabinet.servicedesk.models import Category, Photo, ServiceRequest
from kabinet.servicedesk.services import request_file
from kabinet.test import make_login

# What each portal URL is; a new URL must be added here (and so thought about).
PUBLIC = {
    "login", "register", "register-sent", "application", "application-sent", "activation-resend", "activate-code",
    "password-reset", "password-reset-sent", "news", "news-rss", "news-atom", "outages", "outages-atom",
    "contacts", "manifest", "service-worker", "offline", "offline-pages", "news-detail", "news-image", "privacy-policy",
}  # fmt: skip
SIGNED_LINK = {"activate", "password-reset-confirm", "email-confirm", "invitation-accept", "unsubscribe"}
SIGNED_LINK |= {"privacy-download"}  # the link mailed to the login, opened only by it (kabinet/privacy)
PROVIDER = {"payment-notify", "sandbox-page"}  # the payment provider's doors: signed or unguessable ids
# A logged-in customer's pages about their own current account: no object in the URL.
CUSTOMER = {
    "logout": "POST", "access": "GET", "password-change": "GET", "email-change": "GET", "premises-add": "GET",
    "invite": "POST", "dashboard": "GET", "account-choose": "POST", "requests": "GET", "request-new": "GET",
    "reception-messages": "GET", "notification-settings": "GET", "readings": "GET", "readings-receipt": "GET",
    "readings-history": "GET", "readings-history-csv": "GET", "api-tokens": "GET", "payment-history": "GET",
    "pay": "GET", "invoices": "GET", "statement": "GET", "statement-pdf": "GET", "consumption": "GET",
    "privacy": "GET", "privacy-export": "POST", "privacy-correction": "GET", "privacy-erasure": "GET",
    "privacy-erasure-cancel": "POST", "developers": "GET",
    "telegram": "GET",  # kabinet/telegram: the one-time code that links a chat (404 while the bot is off)
    "readings-photo": "POST",  # a photo of one of the account's meters (kabinet/meters/photos.py)
}  # fmt: skip
# One customer's object in the URL: another customer (and staff, who are not customers)
# get 404, and nothing changes.
OWN = {
    "access-revoke": "POST", "invitation-revoke": "POST", "request-detail": "GET", "request-comment": "POST",
    "request-rate": "POST", "request-reopen": "POST", "request-photo": "GET", "reception-detail": "GET",
    "reception-reply": "POST", "meter-detail": "GET", "api-token-revoke": "POST", "pay-return": "GET",
    "invoice-detail": "GET", "invoice-receipt": "GET", "invoice-pdf": "GET",
    "reading-photo": "GET",
}  # fmt: skip


def portal_url_names() -> set[str]:
    return {p.name for p in get_resolver("kabinet.portal.urls").url_patterns if p.name}


def test_every_portal_url_has_an_entry():
    known = PUBLIC | SIGNED_LINK | PROVIDER | set(CUSTOMER) | set(OWN)
    assert portal_url_names() - known == set(), "add the new URL to this matrix"
    assert known - portal_url_names() == set(), "a URL in the matrix no longer exists"


@pytest.fixture
def alices(personas):
    """One of every object a URL can name, alice's."""
    p = personas
    service = p.services["cold_water"]
    invoice = invoice_create(
        account=p.alice_account,
        period=dt.date(2026, 9, 1),
        lines=[LineSpec(service, "Water", Decimal("1"), "m3", Decimal("12.34"), Decimal("0"))],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )
    request = request_file(
        user=p.alice,
        account=p.alice_account,
        category=Category.objects.filter(is_emergency=False).first(),
        description="Dripping tap",
        phone="+371 20000000",
    )
    photo = Photo.objects.create(request=request, token="t" * 32, file="x.jpg", content_type="image/jpeg", size=1)
    meter_photo = ReadingPhoto.objects.create(
        meter=p.alice_cold, uploaded_by=p.alice, source="portal", token="m" * 32, file="m.jpg",
        content_type="image/jpeg", size=1, sha256="0" * 64,
    )  # fmt: skip
    message = reception_message_send(kind="question", subject="Bill", text="Why?", user=p.alice)
    helper = make_login(p.alice_customer, "son@example.com", [])
    household = AccountAccess.objects.create(user=helper, account=p.alice_account, role=AccessRole.READINGS)
    invitation = invitation_send(
        account=p.alice_account, email="aunt@example.com", role=AccessRole.READINGS, actor=p.alice
    )
    token, _secret = api_token_create(user=p.alice, name="Home Assistant")
    online = online_payment_start(
        user=p.alice, lines=[PayLine(account=p.alice_account, amount=Decimal("1.00"))], return_url=lambda o: "/"
    )
    reading = Reading.objects.create(
        meter=p.alice_cold, period=dt.date(2026, 9, 1), value=Decimal("10"), source="portal", status="accepted"
    )
    news = News.objects.create(title="News", body="Body")
    return {
        "access-revoke": [household.pk],
        "invitation-revoke": [invitation.pk],
        "request-detail": [request.pk],
        "request-comment": [request.pk],
        "request-rate": [request.pk],
        "request-reopen": [request.pk],
        "request-photo": [request.pk, photo.pk],
        "reading-photo": [meter_photo.pk],
        "reception-detail": [message.pk],
        "reception-reply": [message.pk],
        "meter-detail": [p.alice_cold.pk],
        "api-token-revoke": [token.pk],
        "pay-return": [online.pk],
        "invoice-detail": [invoice.pk],
        "invoice-receipt": [invoice.pk],
        "invoice-pdf": [invoice.pk],
        "news-detail": [news.pk],
        "reading": reading,
        "state": lambda: (
            AccountAccess.objects.filter(pk=household.pk).exists(),
            Invitation.objects.get(pk=invitation.pk).revoked_at,
            ServiceRequest.objects.get(pk=request.pk).status,
            ApiToken.objects.get(pk=token.pk).revoked,
            OnlinePayment.objects.get(pk=online.pk).status,
        ),
    }


def call(client, method, url, data=None):
    return client.post(url, data or {}) if method == "POST" else client.get(url)


def test_anonymous_visitors_are_sent_to_log_in(client, alices):
    for name, method in {**CUSTOMER, **OWN}.items():
        url = reverse(f"portal:{name}", args=alices.get(name, []))
        response = call(client, method, url)
        assert response.status_code == 302 and reverse("portal:login") in response["Location"], (name, response)


def test_public_pages_and_signed_links_answer_without_a_server_error(client, alices):
    for name in PUBLIC | SIGNED_LINK | PROVIDER:
        args = alices.get(name) or (["not-a-token"] if name in SIGNED_LINK | {"sandbox-page"} else [])
        if name == "payment-notify":
            args = ["sandbox"]
        if name == "news-image":
            args = alices["news-detail"]
        response = client.get(reverse(f"portal:{name}", args=args))
        assert response.status_code < 500 and response.status_code != 403, (name, response.status_code)


@pytest.mark.parametrize("who", ["bob", "carol", "dave"])
def test_nobody_else_opens_or_changes_alices_objects(client, personas, alices, who):
    before = alices["state"]()
    client.force_login(getattr(personas, who))
    for name, method in OWN.items():
        url = reverse(f"portal:{name}", args=alices[name])
        data = {"text": "x", "rating": "5", "comment": "x", "reason": "x"}
        response = call(client, method, url, data)
        assert response.status_code == 404, (who, name, response.status_code)
    assert alices["state"]() == before


@pytest.mark.parametrize("who", ["bob", "carol", "dave"])
def test_nobody_else_sees_alices_data_on_their_own_pages(client, personas, alices, who):
    client.force_login(getattr(personas, who))
    for name, method in CUSTOMER.items():
        if method != "GET":
            continue
        url = reverse(f"portal:{name}", args=[])
        if name == "readings-receipt":
            url += f"?r={alices['reading'].pk}"
        response = client.get(url)
        assert response.status_code < 500, (who, name)
        body = response.content.decode(errors="replace") if response.status_code == 200 else ""
        for secret in ("100001", "CW-1001", "Dripping tap", "12.34"):
            assert secret not in body, (who, name, secret)


def test_the_owner_opens_her_objects(client, personas, alices):
    client.force_login(personas.alice)
    for name, method in OWN.items():
        if method != "GET" or name in ("request-photo", "reading-photo"):  # the test's photos have no file
            continue
        response = client.get(reverse(f"portal:{name}", args=alices[name]))
        assert response.status_code == 200, (name, response.status_code)


# --- the API -------------------------------------------------------------------------------


def api_operations(client) -> list[tuple[str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    return [(method.upper(), path) for path, ops in schema["paths"].items() for method in ops]


def api_call(client, method, path, meter_id, **headers):
    url = re.sub(r"\{\w+\}", str(meter_id), path)  # the schema's paths are whole
    if method in ("POST", "PUT"):
        return getattr(client, method.lower())(url, {"value": "1"}, content_type="application/json", **headers)
    return getattr(client, method.lower())(url, **headers)


def test_every_api_operation_refuses_anonymous_revoked_and_foreign_callers(client, personas, alices):
    operations = [op for op in api_operations(client) if not op[1].endswith("/health")]
    assert operations, "the schema lists the operations"
    _row, alice_token = api_token_create(user=personas.alice, name="phone")
    revoked, revoked_token = api_token_create(user=personas.alice, name="old")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    _row, bob_token = api_token_create(user=personas.bob, name="bob")
    meter = personas.alice_cold.pk
    for method, path in operations:
        assert api_call(client, method, path, meter).status_code == 401, (method, path, "anonymous")
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {revoked_token}"}
        assert api_call(client, method, path, meter, **bearer).status_code == 401, (method, path, "revoked")
        if "{" in path and "{meter_id}" not in path:
            continue  # another kind of object: kabinet/api/tests/test_api_access.py tries each with its own
        foreign = api_call(client, method, path, meter, HTTP_AUTHORIZATION=f"Bearer {bob_token}")
        if "{meter_id}" in path:
            assert foreign.status_code == 404, (method, path, "another customer")
        else:
            assert "CW-1001" not in foreign.content.decode(), (method, path)
        own = api_call(client, method, path, meter, HTTP_AUTHORIZATION=f"Bearer {alice_token}")
        assert own.status_code < 500 and own.status_code not in (401, 403, 404), (method, path, own.status_code)
