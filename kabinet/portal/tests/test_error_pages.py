"""Customers get the product's own 404 and 500 pages, also in the demo (DEBUG on);
Django's technical pages only for a developer who asks for them (DJANGO_DEBUG_PAGES=1)."""

import pytest
from django.db import OperationalError
from django.test import Client

from kabinet.portal import errors
from kabinet.utility.models import UtilityProfile


@pytest.fixture
def demo_settings(settings):
    settings.DEBUG = True  # what `make run` runs with
    settings.DEBUG_PAGES = False
    return settings


def english_client() -> Client:
    """A client that gets the page rather than the exception (as a browser would)."""
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    return client


def broken_database(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(UtilityProfile, "get", fail)


def test_it_shows_the_products_404_without_the_url_list(personas, en_client, demo_settings):
    response = en_client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "To the overview" in page
    assert "URLconf" not in page and "Django tried these URL patterns" not in page


def test_it_shows_the_products_404_for_another_customers_invoice(personas, en_client, demo_settings):
    en_client.force_login(personas.bob)
    response = en_client.get("/invoices/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Raised by" not in response.content.decode()


def test_it_shows_the_products_500_without_traceback_or_settings(personas, demo_settings, monkeypatch):
    broken_database(monkeypatch)
    client = english_client()
    response = client.get("/login/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "Traceback" not in page and "SECRET_KEY" not in page and "OperationalError" not in page


def test_the_500_page_needs_no_database(rf, demo_settings):
    # No "db" fixture: any query would fail this test.
    response = errors.server_error(rf.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_a_developer_gets_djangos_pages_when_asking_for_them(personas, demo_settings, monkeypatch):
    demo_settings.DEBUG_PAGES = True
    client = english_client()
    assert "Django tried these URL patterns" in client.get("/no-such-page/").content.decode()
    broken_database(monkeypatch)
    response = client.get("/login/")
    assert response.status_code == 500 and "OperationalError" in response.content.decode()


def test_without_debug_customers_get_the_same_pages(personas, settings, monkeypatch):
    settings.DEBUG = False
    client = english_client()
    assert "To the overview" in client.get("/no-such-page/").content.decode()
    broken_database(monkeypatch)
    response = client.get("/login/")
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()
