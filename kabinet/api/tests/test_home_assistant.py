"""The API driven the way Home Assistant's REST command drives it: plain HTTP to the
running server, the token in a header, the payload a JSON string rendered from a template;
what comes back is the reading's receipt. And the developers page that explains it."""

import datetime as dt
import json
import urllib.error
import urllib.request

import pytest
import time_machine
from django.urls import reverse

from kabinet.customers.models import TokenScope
from kabinet.customers.services.api_tokens import api_token_create
from kabinet.meters.models import Reading

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def rest_command(url: str, token: str, payload: str, key: str) -> tuple[int, dict]:
    """What `rest_command: {url, method: POST, headers, content_type, payload}` sends."""
    request = urllib.request.Request(
        url,
        data=payload.encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # the test's own server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.django_db(transaction=True)
def test_a_home_assistant_rest_command_submits_a_reading_and_gets_its_receipt(live_server):
    from kabinet.test import Personas

    p = Personas("lv")
    _row, token = api_token_create(user=p.alice, name="Home Assistant", scopes=[TokenScope.READINGS_WRITE])
    url = f"{live_server.url}/api/v1/readings/meters/{p.alice_cold.pk}/readings"
    payload = '{"value": "123.4"}'  # '{"value": "{{ states("sensor.water_meter") }}"}' rendered

    with time_machine.travel(IN_WINDOW, tick=False):
        status, receipt = rest_command(url, token, payload, "20261128-meter-1")
        again, repeated = rest_command(url, token, payload, "20261128-meter-1")  # HA retried
        refused, _body = rest_command(url, "kab_not-a-token", payload, "20261128-meter-2")

    assert status == 201, receipt
    assert receipt["meter_id"] == p.alice_cold.pk and receipt["value"] == "123.4" and receipt["status"] == "accepted"
    assert {"estimated_charge", "currency", "period"} <= set(receipt)
    assert (again, repeated["id"]) == (200, receipt["id"])
    assert refused == 401
    assert Reading.objects.count() == 1


def test_the_developers_page_has_examples_with_the_real_host_and_meters(client, personas, settings):
    settings.ALLOWED_HOSTS = ["kabinet.example.lv", "testserver"]
    client.force_login(personas.alice)
    client.cookies["django_language"] = "en"
    tokens = client.get(reverse("portal:api-tokens")).content.decode()
    assert reverse("portal:developers") in tokens

    page = client.get(reverse("portal:developers"), HTTP_HOST="kabinet.example.lv").content.decode()

    meter = personas.alice_cold.pk
    assert f"http://kabinet.example.lv/api/v1/readings/meters/{meter}/readings" in page
    assert f"kabinet_reading_{meter}:" in page  # the Home Assistant REST command
    assert f"selectattr('id', 'eq', {meter}) | first).last_value }}}}" in page  # the REST sensor's template
    assert "{{ now().strftime(" in page
    assert "import requests" in page and "curl -H" in page
    assert str(personas.bob_cold.pk) not in page.split("Your meters")[1].split("curl")[0]
    assert "http://kabinet.example.lv/api/v1/docs" in page


def test_the_developers_page_needs_a_login(client, db):
    assert client.get(reverse("portal:developers")).status_code == 302
