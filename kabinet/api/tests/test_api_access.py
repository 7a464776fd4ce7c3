"""Every operation of the API, table-driven: it works for its own customer, another
customer's object is a 404, a token without the operation's scope a 403, a revoked token
and no token a 401, and bad input a 4xx that writes nothing."""

from dataclasses import dataclass, field

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kabinet.api.main import api
from kabinet.api.models import IdempotencyKey
from kabinet.api.tests import world
from kabinet.customers.models import AccountAccess, ApiToken, Invitation, MailPreference, TokenScope
from kabinet.customers.services.api_tokens import api_token_create
from kabinet.meters.models import Reading, ReadingPhoto
from kabinet.payments.models import OnlinePayment
from kabinet.reception.models import Message, Reply
from kabinet.servicedesk.models import Comment, ServiceRequest
from kabinet.test import png_bytes

pytestmark = pytest.mark.usefixtures("private_media")
S = TokenScope
# Path parameter -> the attribute of a side (world.build) holding that customer's object.
PARAMS = {
    "account_id": "account",
    "invoice_id": "invoice",
    "meter_id": "meter",
    "request_id": "request",
    "photo_id": "photo",
    "message_id": "message",
    "invitation_id": "invitation",
    "access_id": "co_access",
    "token_id": "token",
    "mandate_id": "mandate",
}


@dataclass
class Op:
    method: str
    path: str  # as in the schema, under /api/v1
    scope: str
    ok: int
    other: bool = True  # has another customer's object to try
    query: str = ""  # {account_id} etc. filled in like the path
    body: dict | None = None
    bad: dict | None = None  # schema-valid but refused by the rules
    params: dict = field(default_factory=dict)  # overrides of PARAMS
    multipart: bool = False
    file_field: str = "photos"  # the multipart file's field name

    def url(self, side, p) -> str:
        ids = {name: getattr(side, attr) for name, attr in {**PARAMS, **self.params}.items()}
        ids["news_id"] = p.news.pk
        url = "/api/v1" + self.path.format(**ids)
        return url + ("?" + self.query.format(**ids) if self.query else "")

    def data(self, side) -> dict | None:
        return None if self.body is None else _filled(self.body, side)


def _filled(value, side):
    """ "@account" -> the side's account id, in dicts and lists too."""
    if isinstance(value, dict):
        return {k: _filled(v, side) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, side) for v in value]
    return getattr(side, value[1:]) if isinstance(value, str) and value.startswith("@") else value


REQUEST = {"account_id": "@account", "category_id": "@category", "description": "Leak", "phone": "20000000"}
OPS = {
    "readings-meters": Op("get", "/readings/meters", S.READINGS_READ, 200, other=False),
    "readings-history": Op("get", "/readings/meters/{meter_id}/readings", S.READINGS_READ, 200),
    "readings-submit": Op(
        # A reading the rules refuse is stored as a rejected attempt (by design): only the
        # request that does not validate writes nothing.
        "post",
        "/readings/meters/{meter_id}/readings",
        S.READINGS_WRITE,
        201,
        body={"value": "20"},
    ),
    "readings-photo-upload": Op(
        "post",
        "/readings/photos",
        S.READINGS_WRITE,
        201,
        body={"meter_id": "@meter"},
        multipart=True,
        file_field="photo",
    ),
    "readings-photo": Op(
        "get", "/readings/photos/{photo_id}", S.READINGS_READ, 200, params={"photo_id": "meter_photo"}
    ),
    "accounts": Op("get", "/accounts/", S.ACCOUNT_READ, 200, other=False),
    "account": Op("get", "/accounts/{account_id}", S.ACCOUNT_READ, 200),
    "account-meters": Op("get", "/accounts/{account_id}/meters", S.ACCOUNT_READ, 200),
    "invoices": Op("get", "/invoices", S.BILLING_READ, 200, query="account_id={account_id}"),
    "invoice": Op("get", "/invoices/{invoice_id}", S.BILLING_READ, 200),
    "invoice-pdf": Op("get", "/invoices/{invoice_id}/pdf", S.BILLING_READ, 200),
    "statement": Op("get", "/accounts/{account_id}/statement", S.BILLING_READ, 200),
    "payments": Op("get", "/payments/", S.BILLING_READ, 200, query="account_id={account_id}"),
    "pay-online": Op(
        "post",
        "/payments/online",
        S.PAYMENTS_WRITE,
        201,
        body={"lines": [{"account_id": "@account", "amount": "5.00"}]},
        bad={"lines": [{"account_id": "@account", "amount": "-5.00"}]},
    ),
    "categories": Op("get", "/requests/categories", S.REQUESTS_READ, 200, other=False),
    "requests": Op("get", "/requests/", S.REQUESTS_READ, 200, query="account_id={account_id}"),
    "request": Op("get", "/requests/{request_id}", S.REQUESTS_READ, 200),
    "request-photo": Op("get", "/requests/{request_id}/photos/{photo_id}", S.REQUESTS_READ, 200),
    "request-file": Op(
        "post", "/requests/", S.REQUESTS_WRITE, 201, body=REQUEST, bad={**REQUEST, "phone": "x"}, multipart=True
    ),
    "request-comment": Op(
        "post", "/requests/{request_id}/comments", S.REQUESTS_WRITE, 201, body={"text": "Any news?"}, bad={"text": " "}
    ),
    "request-rate": Op(
        "post",
        "/requests/{request_id}/rating",
        S.REQUESTS_WRITE,
        200,
        body={"rating": 5},
        bad={"rating": 9},
        params={"request_id": "done"},
    ),
    "request-reopen": Op(
        "post",
        "/requests/{request_id}/reopen",
        S.REQUESTS_WRITE,
        200,
        body={"reason": "Still leaking"},
        bad={"reason": " "},
        params={"request_id": "done"},
    ),
    "news": Op("get", "/news", S.NEWS_READ, 200, other=False),
    "news-item": Op("get", "/news/{news_id}", S.NEWS_READ, 200, other=False),
    "outages": Op("get", "/outages", S.NEWS_READ, 200, other=False),
    "messages": Op("get", "/messages/", S.MESSAGES_READ, 200, other=False),
    "message": Op("get", "/messages/{message_id}", S.MESSAGES_READ, 200),
    "message-send": Op(
        "post",
        "/messages/",
        S.MESSAGES_WRITE,
        201,
        other=False,
        body={"subject": "Bill", "text": "Why so much?"},
        bad={"subject": "Bill", "text": "   "},
    ),
    "message-reply": Op(
        "post", "/messages/{message_id}/replies", S.MESSAGES_WRITE, 201, body={"text": "Thanks"}, bad={"text": ""}
    ),
    "notifications": Op("get", "/settings/notifications", S.SETTINGS_WRITE, 200, other=False),
    "notifications-set": Op(
        "put",
        "/settings/notifications",
        S.SETTINGS_WRITE,
        200,
        other=False,
        body={"enabled": []},
        bad={"enabled": ["spam"]},
    ),
    "household": Op("get", "/household/", S.HOUSEHOLD_WRITE, 200, other=False),
    "invite": Op(
        "post",
        "/household/invitations",
        S.HOUSEHOLD_WRITE,
        201,
        body={"account_id": "@account", "email": "new@example.com", "role": "readings"},
        bad={"account_id": "@account", "email": "not an address", "role": "readings"},
    ),
    "invitation-withdraw": Op("delete", "/household/invitations/{invitation_id}", S.HOUSEHOLD_WRITE, 204),
    "access-remove": Op("delete", "/household/people/{access_id}", S.HOUSEHOLD_WRITE, 204),
    "tokens": Op("get", "/tokens/", S.TOKENS_WRITE, 200, other=False),
    "token-make": Op("post", "/tokens/", S.TOKENS_WRITE, 201, other=False, body={"name": "Script"}, bad={"name": "  "}),
    "token-revoke": Op("delete", "/tokens/{token_id}", S.TOKENS_WRITE, 204),
    "autopay": Op("get", "/autopay/", S.BILLING_READ, 200, other=False),
    "autopay-stop": Op("delete", "/autopay/{mandate_id}", S.PAYMENTS_WRITE, 204),
}
CASES = ["own", "other", "no-scope", "revoked", "anonymous"]


@pytest.fixture(autouse=True)
def _in_the_reading_window():
    with time_machine.travel(world.NOW, tick=False):
        yield


@pytest.fixture
def p(personas, settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    return world.build(personas)


def call(client, op: Op, url: str, token: str | None, body=None, **headers):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en", **headers}
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if op.method in ("get", "delete"):
        return getattr(client, op.method)(url, **headers)
    if op.multipart:
        files = {op.file_field: SimpleUploadedFile("leak.png", png_bytes(), content_type="image/png")}
        return client.post(url, {**(body or {}), **files}, **headers)
    return getattr(client, op.method)(url, body or {}, content_type="application/json", **headers)


def written() -> dict:
    """The rows an API write could add, change or remove."""
    models = [Reading, ReadingPhoto, ServiceRequest, Comment, Message, Reply, Invitation, AccountAccess, ApiToken]
    counts = {m.__name__: m.objects.count() for m in models + [OnlinePayment, MailPreference, IdempotencyKey]}
    counts["revoked tokens"] = ApiToken.objects.filter(revoked__isnull=False).count()
    counts["rated"] = ServiceRequest.objects.filter(rating__isnull=False).count()
    counts["statuses"] = sorted(ServiceRequest.objects.values_list("status", flat=True))
    counts["open invitations"] = Invitation.objects.filter(revoked_at__isnull=True).count()
    return counts


def test_the_table_covers_every_operation_of_the_schema(db):
    schema = api.get_openapi_schema(path_prefix="")
    published = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    }
    assert published == {(op.method, op.path) for op in OPS.values()}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", list(OPS))
def test_each_operation_answers_its_own_customer_only(client, p, name, case):
    op = OPS[name]
    if case == "other" and not op.other:
        pytest.skip("nothing of another customer's to ask for")
    _row, token = api_token_create(user=p.alice, name="Everything")
    if case == "no-scope":
        _row, token = api_token_create(user=p.alice, name="All but", scopes=set(TokenScope.values) - {op.scope})
    if case == "revoked":
        ApiToken.objects.filter(name="Everything").update(revoked=timezone.now())
    side = p.other if case == "other" else p.own
    before = written()

    response = call(client, op, op.url(side, p), None if case == "anonymous" else token, op.data(side))

    expected = {"own": op.ok, "other": 404, "no-scope": 403, "revoked": 401, "anonymous": 401}[case]
    assert response.status_code == expected, response.content[:500]
    if case != "own":
        body = response.json()
        assert {"code", "message", "field", "errors"} <= set(body)
        assert body["code"] == {404: "not_found", 403: "forbidden", 401: "unauthorized"}[expected]
        assert written() == before


BAD = [
    (name, how)
    for name, op in OPS.items()
    if op.body is not None
    for how in ("missing", "refused")
    if how == "missing" or op.bad
]


@pytest.mark.parametrize(("name", "how"), BAD)
def test_bad_input_is_a_4xx_with_the_one_shape_and_writes_nothing(client, p, name, how):
    op = OPS[name]
    _row, token = api_token_create(user=p.alice, name="Everything")
    before = written()

    body = {} if how == "missing" else Op(op.method, op.path, op.scope, op.ok, body=op.bad).data(p.own)
    response = call(client, op, op.url(p.own, p), token, body, HTTP_IDEMPOTENCY_KEY="bad-input-key-1")

    assert 400 <= response.status_code < 500 and response.status_code not in (401, 403, 404), response.content[:300]
    assert {"code", "message", "field", "errors"} <= set(response.json())
    assert written() == before
