"""The pages the service worker keeps for a customer's use offline (kabinet/portal/pwa.py):
the readings form of each account and the last receipts, this customer's only."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.customers.models import AccessRole, AccountAccess
from kabinet.meters.models import Reading

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
KEY = "0f6d2c1e-5b7a-4c3d-9e8f-1a2b3c4d5e6f"


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def pages(client) -> list[dict]:
    response = client.get(reverse("portal:offline-pages"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    return response.json()["pages"]


def invoice_for(personas, account, period):
    return invoice_create(
        account=account,
        period=period,
        lines=[LineSpec(personas.services["cold_water"], "Water", Decimal("1"), "m3", Decimal("9.99"), Decimal("0"))],
        issued_on=period + dt.timedelta(days=39),
        due_on=period + dt.timedelta(days=54),
    )


def test_it_lists_the_readings_form_of_each_account_chosen_first(client, personas):
    client.force_login(personas.alice)
    listed = pages(client)
    assert listed == [
        {"url": "/readings/", "title": "Meter readings · account 100001"},
        {"url": f"/readings/?account={personas.alice_second_account.pk}", "title": "Meter readings · account 100002"},
    ]


@time_machine.travel(IN_WINDOW, tick=False)
def test_it_lists_the_last_reading_receipt_and_the_last_invoice_receipt(client, personas):
    invoice_for(personas, personas.alice_account, dt.date(2026, 9, 1))
    last = invoice_for(personas, personas.alice_account, dt.date(2026, 10, 1))
    client.force_login(personas.alice)
    data = {"account": personas.alice_account.pk, "client_key": KEY, f"value_{personas.alice_cold.pk}": "12"}
    assert client.post(reverse("portal:readings"), {**data, f"value_{personas.alice_hot.pk}": "3"}).status_code == 302
    ids = sorted(Reading.objects.values_list("pk", flat=True))
    listed = {p["url"]: p["title"] for p in pages(client)}
    assert listed[f"/readings/receipt/?r={ids[0]}&r={ids[1]}"] == "Last reading receipt"
    assert listed[f"/invoices/{last.pk}/receipt/"] == f"Invoice {last.number} · account 100001"
    assert len(listed) == 4
    # Each of them opens for this customer.
    for url in listed:
        assert client.get(url).status_code == 200, url


def test_it_lists_no_invoice_for_a_readings_only_access(client, personas):
    invoice_for(personas, personas.bob_account, dt.date(2026, 9, 1))
    AccountAccess.objects.create(user=personas.alice, account=personas.bob_account, role=AccessRole.READINGS)
    client.force_login(personas.alice)
    urls = [p["url"] for p in pages(client)]
    assert f"/readings/?account={personas.bob_account.pk}" in urls
    assert not [u for u in urls if u.startswith("/invoices/")]


@time_machine.travel(IN_WINDOW, tick=False)
def test_it_never_lists_another_customers_pages(client, personas):
    invoice_for(personas, personas.bob_account, dt.date(2026, 9, 1))
    client.force_login(personas.bob)
    bob = {"client_key": KEY, f"value_{personas.bob_cold.pk}": "7"}
    assert client.post(reverse("portal:readings"), bob).status_code == 302
    client.force_login(personas.alice)
    listed = pages(client)
    assert [p["url"] for p in listed] == ["/readings/", f"/readings/?account={personas.alice_second_account.pk}"]


def test_it_lists_nothing_for_anyone_not_signed_in_so_the_worker_drops_what_it_kept(client, personas):
    body = client.get(reverse("portal:offline-pages")).json()
    assert body["pages"] == []
    assert body["banner"] == "No connection: this page was saved on this device on %(time)s."
    client.force_login(personas.carol)  # staff without an account
    assert pages(client) == []


def test_the_texts_shown_offline_come_in_the_customers_language(client, personas):
    client.cookies["django_language"] = "ru"
    client.force_login(personas.alice)
    body = client.get(reverse("portal:offline-pages")).json()
    assert body["lang"] == "ru"
    assert "%(time)s" in body["banner"] and "%(time)s" in body["saved"]


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_readings_form_of_another_account_opens_by_its_address(client, personas):
    client.force_login(personas.alice)
    page = client.get(f"/readings/?account={personas.alice_second_account.pk}").content.decode()
    assert "Saules iela 14-3" in page or "Saules iela" in page
    assert "CW-1001" not in page  # the chosen account's meters are not on it
    assert client.get(f"/readings/?account={personas.bob_account.pk}").status_code == 404
    assert client.get("/readings/?account=x").status_code == 404
