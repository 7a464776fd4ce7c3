"""Every list of the back office issues the same number of queries for 5 rows as for 100:
no list pays a query per row (a missing list_select_related, a column reading a relation).
Measured on the demo utility (200 accounts, a year of readings, invoices and payments), in
the staff's Latvian."""

import datetime as dt
import io
from unittest import mock

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.customers.models import User

NOW = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
# A list page's own queries (session, user, permissions, counts, filters, the page): well
# under this whatever the data; the test below holds the per-row part to zero.
CEILING = 30


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo utility, seeded once for the module (read-only tests)."""
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False):
        call_command("seed_demo", "--preset", "lv", stdout=io.StringIO())
        yield
        call_command("flush", "--no-input", stdout=io.StringIO())


def list_queries(client, model, per_page: int) -> tuple[int, int, int]:
    """(status, rows shown, queries) of the model's list at `per_page` rows a page."""
    model_admin = admin.site._registry[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with mock.patch.object(model_admin, "list_per_page", per_page, create=True):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
    rows = len(response.context["cl"].result_list) if response.status_code == 200 else 0
    return response.status_code, rows, len(ctx.captured_queries)


MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_a_list_of_100_rows_costs_what_a_list_of_5_does(demo, db, client, model):
    client.force_login(User.objects.get(username="carol"))
    client.cookies["django_language"] = "lv"
    with time_machine.travel(NOW, tick=False):
        status_small, rows_small, small = list_queries(client, model, 5)
        status_big, rows_big, big = list_queries(client, model, 100)
    # 302: a one-row settings page whose list goes straight to its form.
    assert status_small == status_big and status_big in (200, 302)
    assert big <= CEILING, f"{model._meta.label}: {big} queries"
    # A list of one page skips the paginator's separate count: fewer queries, never more.
    if rows_big > rows_small:
        assert big <= small, f"{model._meta.label}: {small} queries for {rows_small} rows, {big} for {rows_big}"
