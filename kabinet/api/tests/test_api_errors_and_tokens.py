"""One documented error shape for every failure, 401 (never a CSRF 403) without
credentials, and personal tokens that die with a password change."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from kabinet.customers.models import ApiToken
from kabinet.customers.services import password_change, password_reset_confirm
from kabinet.customers.services.api_tokens import api_token_create
from kabinet.customers.tokens import Purpose, token_make
from kabinet.test import PASSWORD

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "violet-kettle-harbour-42"
SHAPE = {"code", "message", "field", "errors"}


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}


def submit(client, meter, body, **headers):
    return client.post(f"/api/v1/readings/meters/{meter.pk}/readings", body, content_type="application/json", **headers)


def test_an_anonymous_post_is_unauthorized_not_a_csrf_failure(client, personas):
    response = submit(client, personas.alice_cold, {"value": "12"})
    assert response.status_code == 401
    body = response.json()
    assert SHAPE <= set(body) and body["code"] == "unauthorized"


def test_errors_have_one_shape(client, personas, alice_token):
    invalid = submit(client, personas.alice_cold, {"confirm": "maybe"}, **bearer(alice_token))
    assert invalid.status_code == 422
    body = invalid.json()
    assert SHAPE <= set(body) and body["code"] == "invalid_request"
    assert "value" in [e["field"] for e in body["errors"]]

    foreign = submit(client, personas.bob_cold, {"value": "12"}, **bearer(alice_token))
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert SHAPE <= set(foreign.json())

    not_json = client.post(
        f"/api/v1/readings/meters/{personas.alice_cold.pk}/readings",
        "value=12",
        content_type="application/json",
        **bearer(alice_token),
    )
    assert not_json.status_code in (400, 422) and SHAPE <= set(not_json.json())


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_rejected_reading_keeps_the_shape_and_adds_the_attempt(client, personas, alice_token):
    response = submit(client, personas.alice_cold, {"value": "-5"}, **bearer(alice_token))
    assert response.status_code == 422
    body = response.json()
    assert SHAPE <= set(body) and body["reading"]["status"] == "rejected"


def test_the_schema_documents_every_error_of_every_operation(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"code", "message", "field", "errors"} <= set(schema["components"]["schemas"]["ErrorOut"]["properties"])
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            expected = {"400", "404", "422"} | ({"401", "403"} if operation.get("security") else set())
            assert expected <= set(operation["responses"]), (method, path)


@pytest.mark.parametrize("how", ["change", "reset"])
def test_a_password_change_revokes_every_token_and_the_customer_sees_it(client, personas, alice_token, how):
    assert client.get("/api/v1/readings/meters", **bearer(alice_token)).status_code == 200
    if how == "change":
        password_change(user=personas.alice, old_password=PASSWORD, new_password=NEW_PASSWORD)
    else:
        password_reset_confirm(token=token_make(Purpose.RESET, user=personas.alice), password=NEW_PASSWORD)
    response = client.get("/api/v1/readings/meters", **bearer(alice_token))
    assert response.status_code == 401
    assert ApiToken.objects.get().revoked is not None

    personas.alice.refresh_from_db()
    _row, new_token = api_token_create(user=personas.alice, name="Home Assistant")
    assert client.get("/api/v1/readings/meters", **bearer(new_token)).status_code == 200


def test_the_tokens_page_shows_tokens_stopped_by_a_password_change(client, personas, alice_token):
    password_change(user=personas.alice, old_password=PASSWORD, new_password=NEW_PASSWORD)
    client.force_login(personas.alice)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal:api-tokens")).content.decode()
    assert "they no longer work" in page and "revoked" in page
    assert ApiToken.objects.get().revoked is not None


def test_a_meter_id_beyond_the_database_is_refused_not_a_server_error(client, personas, alice_token):
    # Found by Schemathesis: 37883629048688667525120 overflowed the database's integer.
    for method in ("get", "post"):
        response = getattr(client, method)(
            "/api/v1/readings/meters/37883629048688667525120/readings",
            *([{"value": "1"}] if method == "post" else []),
            **({"content_type": "application/json"} if method == "post" else {}),
            **bearer(alice_token),
        )
        assert response.status_code == 422 and response.json()["code"] == "invalid_request"
