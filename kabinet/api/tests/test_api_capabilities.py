"""The API's shared behaviour across its capabilities: idempotency keys on POST, ETags and
pages on lists, tokens limited to one premises or to readings, a token that cannot widen
itself, messages in the client's language, and documentation that works offline."""

import hashlib

import pytest
import time_machine
from django.contrib.staticfiles import finders

from kabinet.api.models import IdempotencyKey
from kabinet.api.tests import world
from kabinet.customers.models import ApiToken, TokenScope
from kabinet.customers.services.api_tokens import api_token_create
from kabinet.reception.models import Message
from kabinet.servicedesk.models import Comment

pytestmark = pytest.mark.usefixtures("private_media")


@pytest.fixture(autouse=True)
def _in_the_reading_window():
    with time_machine.travel(world.NOW, tick=False):
        yield


@pytest.fixture
def p(personas, settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    return world.build(personas)


def auth(token, **extra):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en", **extra}


def token_for(p, **kwargs):
    return api_token_create(user=p.alice, name=kwargs.pop("name", "Test"), **kwargs)[1]


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_the_same_key_and_body_answer_the_first_response_and_write_once(client, p):
    token = token_for(p)
    url = f"/api/v1/messages/{p.own.message}/replies"
    headers = auth(token, HTTP_IDEMPOTENCY_KEY="reply-0001-abcdef")
    first = client.post(url, {"text": "Thanks"}, content_type="application/json", **headers)
    again = client.post(url, {"text": "Thanks"}, content_type="application/json", **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Message.objects.get(pk=p.own.message).replies.filter(text="Thanks").count() == 1


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(client, p):
    token = token_for(p)
    url = f"/api/v1/requests/{p.own.request}/comments"
    headers = auth(token, HTTP_IDEMPOTENCY_KEY="comment-key-0001")
    assert client.post(url, {"text": "One"}, content_type="application/json", **headers).status_code == 201
    other = client.post(url, {"text": "Two"}, content_type="application/json", **headers)
    elsewhere = client.post(
        f"/api/v1/messages/{p.own.message}/replies", {"text": "One"}, content_type="application/json", **headers
    )
    assert other.status_code == elsewhere.status_code == 422
    assert other.json()["code"] == "key_reused" and "Idempotency-Key" in other.json()["message"]
    assert list(Comment.objects.filter(request_id=p.own.request).values_list("text", flat=True)) == ["One"]


def test_a_key_still_running_is_a_conflict(client, p):
    token = token_for(p)
    # The first request with this key and body has not answered yet (status_code None).
    fingerprint = hashlib.sha256(f"POST /api/v1/requests/{p.own.request}/comments\n".encode() + b'{"text": "Hi"}')
    IdempotencyKey.objects.create(user=p.alice, key="running-key-01", fingerprint=fingerprint.hexdigest())
    response = client.post(
        f"/api/v1/requests/{p.own.request}/comments",
        '{"text": "Hi"}',
        content_type="application/json",
        **auth(token, HTTP_IDEMPOTENCY_KEY="running-key-01"),
    )
    assert response.status_code == 409 and response.json()["code"] == "key_in_progress"
    assert not Comment.objects.filter(text="Hi").exists()


def test_a_failed_request_keeps_no_key_and_can_be_corrected(client, p):
    token = token_for(p)
    headers = auth(token, HTTP_IDEMPOTENCY_KEY="message-key-001")
    refused = client.post(
        "/api/v1/messages/", {"subject": "Bill", "text": " "}, content_type="application/json", **headers
    )
    sent = client.post(
        "/api/v1/messages/", {"subject": "Bill", "text": "Why?"}, content_type="application/json", **headers
    )
    assert (refused.status_code, sent.status_code) == (400, 201)
    assert IdempotencyKey.objects.get().status_code == 201


def test_a_multipart_request_is_filed_once_with_its_photo(client, p):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kabinet.servicedesk.models import ServiceRequest
    from kabinet.test import png_bytes

    token = token_for(p)
    data = {"account_id": p.own.account, "category_id": p.own.category, "description": "Drip", "phone": "20000000"}

    def send():
        photo = SimpleUploadedFile("drip.png", png_bytes(), content_type="image/png")
        return client.post(
            "/api/v1/requests/", {**data, "photos": photo}, **auth(token, HTTP_IDEMPOTENCY_KEY="file-req-0001")
        )

    first, again = send(), send()
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert len(first.json()["photos"]) == 1
    assert ServiceRequest.objects.filter(description="Drip").count() == 1
    photo = client.get(first.json()["photos"][0]["url"], **auth(token))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"


# --- lists: ETag, pages, periods ----------------------------------------------------------------


def test_an_unchanged_list_answers_304_to_its_etag(client, p):
    token = token_for(p)
    first = client.get("/api/v1/invoices", **auth(token))
    etag = first["ETag"]
    assert first.status_code == 200 and etag
    same = client.get("/api/v1/invoices", **auth(token, HTTP_IF_NONE_MATCH=etag))
    assert same.status_code == 304 and same.content == b""
    client.post(
        "/api/v1/messages/", {"subject": "Bill", "text": "Why?"}, content_type="application/json", **auth(token)
    )
    assert client.get("/api/v1/messages/", **auth(token, HTTP_IF_NONE_MATCH=etag)).status_code == 200


def test_lists_are_paged_and_filtered_by_period(client, p, django_assert_max_num_queries):
    token = token_for(p)
    with django_assert_max_num_queries(12):
        whole = client.get("/api/v1/requests/?limit=1", **auth(token)).json()
    assert whole["count"] == 2 and len(whole["items"]) == 1 and whole["limit"] == 1
    second = client.get("/api/v1/requests/?limit=1&offset=1", **auth(token)).json()
    assert second["items"][0]["id"] != whole["items"][0]["id"]
    invoices = client.get("/api/v1/invoices?period_from=2026-10-01&period_to=2026-10-31", **auth(token)).json()
    assert [i["period"] for i in invoices["items"]] == ["2026-10-01"]
    assert client.get("/api/v1/invoices?period_from=2026-11-01", **auth(token)).json()["count"] == 0
    payments = client.get("/api/v1/payments/?period_to=2026-11-01", **auth(token)).json()
    assert payments["count"] == 0
    paid = client.get("/api/v1/payments/", **auth(token)).json()["items"][0]
    assert paid["amount"] == "5.00" and paid["invoices"][0]["invoice_id"] == p.own.invoice


def test_an_invoice_has_its_lines_pdf_and_qr_payload(client, p):
    token = token_for(p)
    invoice = client.get(f"/api/v1/invoices/{p.own.invoice}", **auth(token)).json()
    assert invoice["lines"] and invoice["qr_payload"]
    assert invoice["remaining"] == str(invoice["to_settle"])
    pdf = client.get(f"/api/v1/invoices/{p.own.invoice}/pdf", **auth(token))
    assert pdf["Content-Type"] == "application/pdf" and b"".join(
        pdf.streaming_content if pdf.streaming else [pdf.content]
    ).startswith(b"%PDF")


def test_an_online_payment_answers_the_providers_page(client, p):
    token = token_for(p)
    response = client.post(
        "/api/v1/payments/online",
        {"lines": [{"account_id": p.own.account, "amount": "12.50", "invoice_id": p.own.invoice}]},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 201
    assert response.json()["amount"] == "12.50" and response.json()["confirmation_url"].startswith("http")


# --- what a token may see --------------------------------------------------------------------


def test_a_token_for_one_premises_sees_only_its_accounts(client, p):
    token = token_for(p, premises_id=p.alice_account.premises_id)
    accounts = client.get("/api/v1/accounts/", **auth(token)).json()
    assert [a["number"] for a in accounts] == [p.alice_account.number]
    assert client.get(f"/api/v1/accounts/{p.alice_second_account.pk}", **auth(token)).status_code == 404
    assert client.get(f"/api/v1/invoices?account_id={p.alice_second_account.pk}", **auth(token)).status_code == 404
    everywhere = token_for(p, name="Everywhere")
    assert len(client.get("/api/v1/accounts/", **auth(everywhere)).json()) == 2


def test_a_readings_only_token_can_do_nothing_else(client, p):
    token = token_for(p, scopes=[TokenScope.READINGS_READ, TokenScope.READINGS_WRITE])
    assert client.get("/api/v1/readings/meters", **auth(token)).status_code == 200
    for url in (
        "/api/v1/accounts/",
        "/api/v1/invoices",
        "/api/v1/payments/",
        "/api/v1/requests/",
        "/api/v1/news",
        "/api/v1/messages/",
        "/api/v1/settings/notifications",
        "/api/v1/household/",
        "/api/v1/tokens/",
    ):
        assert client.get(url, **auth(token)).status_code == 403, url


def test_a_token_cannot_make_a_wider_token(client, p):
    token = token_for(p, scopes=[TokenScope.TOKENS_WRITE, TokenScope.READINGS_READ])
    wider = client.post(
        "/api/v1/tokens/", {"name": "More", "scopes": ["billing:read"]}, content_type="application/json", **auth(token)
    )
    assert wider.status_code == 403
    same = client.post("/api/v1/tokens/", {"name": "Same"}, content_type="application/json", **auth(token))
    assert same.status_code == 201 and sorted(same.json()["scopes"]) == ["readings:read", "tokens:write"]
    assert same.json()["token"].startswith("kab_")
    assert not ApiToken.objects.filter(name="More").exists()


def test_a_household_member_with_readings_only_sees_no_money(client, p):
    from kabinet.customers.models import AccessRole, AccountAccess

    AccountAccess.objects.filter(user=p.alice, account=p.alice_second_account).update(role=AccessRole.READINGS)
    token = token_for(p)
    accounts = {a["number"]: a for a in client.get("/api/v1/accounts/", **auth(token)).json()}
    assert accounts[p.alice_second_account.number]["balance"] is None
    assert accounts[p.alice_account.number]["balance"] is not None
    assert client.get(f"/api/v1/invoices?account_id={p.alice_second_account.pk}", **auth(token)).status_code == 404


# --- language and documentation -------------------------------------------------------------


@pytest.mark.parametrize(("language", "words"), [("ru", "Это поле"), ("lv", "Šis lauks"), ("en", "This field")])
def test_errors_speak_the_language_the_client_asks_for(client, p, language, words):
    token = token_for(p)
    response = client.post(
        f"/api/v1/requests/{p.own.request}/comments",
        {"text": " "},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400 and words in response.json()["message"]


def test_the_docs_work_offline_from_the_apps_own_static_files(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "/static/ninja/swagger-ui.css" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui-init.js")
    schema = client.get("/api/v1/openapi.json").json()
    errors = {"400", "401", "403", "404", "409", "422", "429"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                assert errors <= set(operation["responses"]), (method, path)
            if method == "post" and operation.get("security") and "readings" not in path:
                assert "Idempotency-Key" in [x["name"] for x in operation.get("parameters", [])], path


def test_every_schema_has_its_own_name():
    """The schema names its components by class name: two MeterOut would publish one."""
    import inspect

    from ninja import Schema

    from kabinet.api import (
        accounts,
        billing,
        errors,
        household,
        messages,
        news,
        payments,
        readings,
        requests,
        settings,
        tokens,
    )

    seen: dict[str, object] = {}
    for module in (
        accounts,
        billing,
        errors,
        household,
        messages,
        news,
        payments,
        readings,
        requests,
        settings,
        tokens,
    ):
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == module.__name__:
                assert name not in seen, f"{name} in {module.__name__} and {seen[name]}"
                seen[name] = module.__name__


def test_old_keys_are_forgotten_by_the_nightly_command(p):
    import datetime as dt

    from django.core.management import call_command

    IdempotencyKey.objects.create(user=p.alice, key="old-key-0001", fingerprint="a" * 64, status_code=201)
    IdempotencyKey.objects.create(user=p.alice, key="new-key-0001", fingerprint="b" * 64, status_code=201)
    IdempotencyKey.objects.filter(key="old-key-0001").update(created=world.NOW - dt.timedelta(days=31))
    call_command("api_keys_cleanup")
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new-key-0001"]
