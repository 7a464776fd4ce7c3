import datetime as dt

import time_machine
from django.db import connection
from django.urls import reverse

from kabinet.customers.models import ApiToken
from kabinet.customers.services.api_tokens import api_token_create
from kabinet.meters.models import Reading, ReadingStatus

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "en"}


def test_it_refuses_requests_without_a_valid_token(client, personas):
    assert client.get("/api/v1/readings/meters").status_code == 401
    assert client.get("/api/v1/readings/meters", **auth("kab_wrong")).status_code == 401


def test_a_revoked_token_stops_working(client, personas, alice_token):
    ApiToken.objects.update(revoked=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert client.get("/api/v1/readings/meters", **auth(alice_token)).status_code == 401


@time_machine.travel(IN_WINDOW, tick=False)
def test_it_lists_only_my_meters_with_the_window(client, personas, alice_token, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/readings/meters", **auth(alice_token)).json()
    assert [m["serial_number"] for m in body["meters"]] == ["CW-1001", "HW-1001"]
    assert body["window"] == {"period": "2026-11-01", "open": True, "first_day": "2026-11-27", "last_day": "2026-11-30"}
    assert body["meters"][0]["account_numbers"] == ["100001"]
    assert ApiToken.objects.get().last_used is not None


@time_machine.travel(IN_WINDOW, tick=False)
def test_it_submits_a_reading_and_answers_with_the_receipt(client, personas, alice_token):
    url = f"/api/v1/readings/meters/{personas.alice_cold.pk}/readings"
    response = client.post(url, {"value": "12,34"}, content_type="application/json", **auth(alice_token))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["value"] == "12.3" and body["period"] == "2026-11-01"
    again = client.post(url, {"value": "12,34"}, content_type="application/json", **auth(alice_token))
    assert again.status_code == 200 and again.json()["id"] == body["id"]  # a retry is not a new reading
    history = client.get(url, **auth(alice_token)).json()
    assert [r["source"] for r in history] == ["api"]


@time_machine.travel(IN_WINDOW, tick=False)
def test_it_answers_a_rejection_with_the_reason_and_keeps_the_attempt(client, personas, alice_token):
    url = f"/api/v1/readings/meters/{personas.alice_cold.pk}/readings"
    response = client.post(url, {"value": "-3"}, content_type="application/json", **auth(alice_token))
    assert response.status_code == 422
    assert response.json()["code"] == "negative"
    assert Reading.objects.get().status == ReadingStatus.REJECTED


def test_it_hides_another_customers_meter(client, personas, alice_token):
    url = f"/api/v1/readings/meters/{personas.bob_cold.pk}/readings"
    assert client.get(url, **auth(alice_token)).status_code == 404
    assert client.post(url, {"value": "1"}, content_type="application/json", **auth(alice_token)).status_code == 404
    assert not Reading.objects.exists()


def test_the_tokens_page_creates_shows_once_and_revokes(client, personas):
    client.cookies["django_language"] = "en"
    client.force_login(personas.alice)
    response = client.post(
        reverse("portal:api-tokens"), {"name": "Home Assistant", "scopes": ["readings:read", "readings:write"]}
    )
    page = response.content.decode()
    assert "shown only now" in page
    token = page.split('<code class="token">')[1].split("<")[0]
    assert client.get("/api/v1/readings/meters", **auth(token)).status_code == 200
    assert token not in client.get(reverse("portal:api-tokens")).content.decode()
    row = ApiToken.objects.get()
    assert row.token_hash != token  # only a hash is stored
    client.post(reverse("portal:api-token-revoke", args=[row.pk]))
    client.logout()  # the portal session would authenticate too
    assert client.get("/api/v1/readings/meters", **auth(token)).status_code == 401


def test_the_tokens_page_refuses_an_empty_name_and_bobs_revoke(client, personas):
    client.cookies["django_language"] = "en"
    row, _token = api_token_create(user=personas.alice, name="x")
    client.force_login(personas.bob)
    assert client.post(reverse("portal:api-tokens"), {"name": "  "}).status_code == 400
    assert client.post(reverse("portal:api-token-revoke", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.revoked is None


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_submission_stays_within_its_query_budget(client, personas, alice_token, django_assert_num_queries):
    # The token with the meter in one query (and its last use, at most every few minutes); then in one
    # transaction (a savepoint inside the test's) the meter locked (on PostgreSQL with the new reading's id), its
    # history, the replaced reading superseded, and the reading, its event and the receipt's outbox row (its insert
    # checks the mail preference): one statement on PostgreSQL, three on SQLite. The tariffs were read by the first
    # submission and are kept by the process; the receipt is rendered by the sender.
    url = f"/api/v1/readings/meters/{personas.alice_cold.pk}/readings"
    client.post(url, {"value": "11"}, content_type="application/json", **auth(alice_token))
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 9):
        response = client.post(url, {"value": "12"}, content_type="application/json", **auth(alice_token))
    assert response.status_code == 201


def test_a_token_of_a_deactivated_login_or_a_closed_account_reaches_no_meter(client, personas, alice_token):
    url = f"/api/v1/readings/meters/{personas.alice_cold.pk}/readings"
    personas.alice_cold.premises.accounts.update(closed_on=dt.date(2026, 1, 1))
    assert client.get(url, **auth(alice_token)).status_code == 404
    ApiToken.objects.get().user.__class__.objects.update(is_active=False)
    assert client.get(url, **auth(alice_token)).status_code == 401


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_last_value_is_the_reading_not_the_columns_padding(client, personas, alice_token):
    Reading.objects.create(
        meter=personas.alice_cold,
        period=dt.date(2026, 10, 1),
        value="650.200",
        source="portal",
        status=ReadingStatus.ACCEPTED,
    )
    body = client.get("/api/v1/readings/meters", **auth(alice_token)).json()
    assert body["meters"][0]["last_value"] == "650.2"  # not "650.200000000000"
