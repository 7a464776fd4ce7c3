"""Scoped tokens: a token does what it was given and nothing else, at the premises it was
given if any; the customer chooses both on the portal's tokens page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from kabinet.customers.models import ApiToken, TokenScope
from kabinet.customers.services.api_tokens import api_token_create
from kabinet.meters.models import Reading
from kabinet.test import make_meter
from kabinet.utility.exceptions import ApplicationError

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def submit(client, token, meter, value="12"):
    return client.post(
        f"/api/v1/readings/meters/{meter.pk}/readings",
        {"value": value},
        content_type="application/json",
        **auth(token),
    )


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_submit_only_token_submits_and_reads_nothing(client, personas):
    _row, token = api_token_create(user=personas.alice, name="Bridge", scopes=[TokenScope.READINGS_WRITE])

    assert submit(client, token, personas.alice_cold).status_code == 201
    listing = client.get("/api/v1/readings/meters", **auth(token), HTTP_ACCEPT_LANGUAGE="en")
    history = client.get(f"/api/v1/readings/meters/{personas.alice_cold.pk}/readings", **auth(token))
    assert listing.status_code == history.status_code == 403
    assert listing.json()["code"] == "forbidden"
    assert "Submit readings" not in listing.json()["message"]  # names the missing scope
    assert "See my meters" in listing.json()["message"]


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_read_only_token_cannot_submit_and_nothing_is_stored(client, personas):
    _row, token = api_token_create(user=personas.alice, name="Dashboard", scopes=[TokenScope.READINGS_READ])

    assert client.get("/api/v1/readings/meters", **auth(token)).status_code == 200
    assert submit(client, token, personas.alice_cold).status_code == 403
    assert not Reading.objects.exists()


@time_machine.travel(IN_WINDOW, tick=False)
def test_a_token_for_one_address_sees_and_submits_only_there(client, personas):
    second = make_meter(personas.alice_second_account, personas.services["cold_water"], "CW-1002")
    _row, token = api_token_create(user=personas.alice, name="Flat 12", premises_id=personas.alice_account.premises_id)

    meters = client.get("/api/v1/readings/meters", **auth(token)).json()["meters"]
    assert [m["serial_number"] for m in meters] == ["CW-1001", "HW-1001"]
    assert submit(client, token, second).status_code == 404
    assert client.get(f"/api/v1/readings/meters/{second.pk}/readings", **auth(token)).status_code == 404
    assert submit(client, token, personas.alice_cold).status_code == 201


def test_a_token_needs_a_scope_and_one_of_the_customers_own_addresses(personas):
    with pytest.raises(ApplicationError) as no_scope:
        api_token_create(user=personas.alice, name="Nothing", scopes=[])
    assert no_scope.value.code == "scopes_required"
    with pytest.raises(ApplicationError) as foreign:
        api_token_create(user=personas.alice, name="Bob's", premises_id=personas.bob_account.premises_id)
    assert foreign.value.code == "premises_unknown"
    assert not ApiToken.objects.exists()


def test_the_portal_makes_a_token_with_the_chosen_scope_and_address(client, personas):
    client.force_login(personas.alice)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("portal:api-tokens")).content.decode()
    assert 'name="scopes" value="readings:write" checked' in page
    assert "All my addresses" in page  # alice has two

    response = client.post(
        reverse("portal:api-tokens"),
        {"name": "Bridge", "scopes": ["readings:write"], "premises": personas.alice_second_account.premises_id},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.scopes == ["readings:write"]
    assert token.premises_id == personas.alice_second_account.premises_id
    assert "Submit readings of my meters" in response.content.decode()

    refused = client.post(reverse("portal:api-tokens"), {"name": "Other", "premises": personas.bob_account.premises_id})
    assert refused.status_code == 400
    assert ApiToken.objects.count() == 1


def test_the_api_answers_in_the_language_its_client_asks_for(client, personas):
    _row, token = api_token_create(user=personas.alice, name="Bridge", scopes=[TokenScope.READINGS_WRITE])
    russian = client.get("/api/v1/readings/meters", **auth(token), HTTP_ACCEPT_LANGUAGE="ru")
    latvian = client.get("/api/v1/readings/meters", **auth(token))  # none asked: the utility's first
    assert "Видеть мои счётчики" in russian.json()["message"]
    assert "Redzēt manus skaitītājus" in latvian.json()["message"]
