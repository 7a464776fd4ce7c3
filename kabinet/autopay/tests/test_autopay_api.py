"""The API's automatic payment: the holder lists and stops it; another customer gets 404."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from kabinet.autopay.models import Mandate
from kabinet.autopay.tests.test_autopay_portal import switch_on
from kabinet.customers.services.api_tokens import api_token_create

RIGA = ZoneInfo("Europe/Riga")


def bearer(user) -> dict:
    _row, token = api_token_create(user=user, name="app")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_holder_lists_and_stops_it_and_bob_cannot(client, sandbox, django_assert_max_num_queries):
    p = sandbox
    with time_machine.travel(dt.datetime(2026, 11, 5, 10, 0, tzinfo=RIGA), tick=False):
        mandate = switch_on(client, p)
        client.logout()
        alice, bob = bearer(p.alice), bearer(p.bob)
        with django_assert_max_num_queries(12):
            listed = client.get("/api/v1/autopay/", **alice)
        assert listed.status_code == 200
        (row,) = listed.json()
        assert (row["id"], row["status"], row["mode"], row["day"], row["max_amount"]) == (
            mandate.pk,
            "active",
            "day_of_month",
            20,
            "50.00",
        )
        assert "4242" in row["card"] and "token" not in row
        assert client.get("/api/v1/autopay/", **bob).json() == []
        assert client.delete(f"/api/v1/autopay/{mandate.pk}", **bob).status_code == 404
        assert Mandate.objects.get(pk=mandate.pk).status == "active"
        assert client.delete(f"/api/v1/autopay/{mandate.pk}", **alice).status_code == 204
        assert Mandate.objects.get(pk=mandate.pk).status == "stopped"
        assert client.delete(f"/api/v1/autopay/{mandate.pk}", **alice).status_code == 204  # a retry
        assert client.get("/api/v1/autopay/", **alice).json() == []
        assert client.get("/api/v1/autopay/").status_code == 401
