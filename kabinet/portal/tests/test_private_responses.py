"""Personal pages, PDFs and API answers are never kept by a shared cache; the language
cookie travels like the session's (Secure in production, HttpOnly)."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.customers.services.api_tokens import api_token_create


def no_store(response) -> bool:
    value = response.get("Cache-Control", "")
    return "no-store" in value and "private" in value


def test_the_customers_pages_and_pdfs_are_not_stored(client, personas):
    invoice = invoice_create(
        account=personas.alice_account,
        period=dt.date(2026, 9, 1),
        lines=[LineSpec(personas.services["cold_water"], "Water", Decimal("1"), "m3", Decimal("9.99"), Decimal("0"))],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )
    client.force_login(personas.alice)
    for url in (
        reverse("portal:dashboard"),
        reverse("portal:invoice-detail", args=[invoice.pk]),
        reverse("portal:invoice-pdf", args=[invoice.pk]),
        reverse("portal:readings-history-csv"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), url


def test_the_back_office_and_the_api_are_not_stored(client, personas):
    client.force_login(personas.dave)
    assert no_store(client.get(reverse("admin:index")))
    client.logout()
    _row, token = api_token_create(user=personas.alice, name="Home Assistant")
    response = client.get("/api/v1/readings/meters", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and no_store(response)


def test_a_public_page_keeps_its_own_caching(client, personas):
    response = client.get(reverse("portal:login"))
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_language_cookie_is_http_only(client, personas):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
