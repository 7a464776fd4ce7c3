"""Every list of the back office issues the same number of queries for 5 rows as for 100:
no list pays a query per row (a missing list_select_related, a column reading a relation).
Measured on the demo utility (200 accounts, a year of readings, invoices and payments), in
the staff's Latvian."""

import datetime as dt
import io
from html.parser import HTMLParser
from unittest import mock

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.customers.models import User
from kabinet.portal.tests.test_browser_walk import english_left_untranslated, language_problems

NOW = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
# A list page's own queries (session, user, permissions, counts, filters, the page): well
# under this whatever the data; the test below holds the per-row part to zero.
CEILING = 30


@pytest.fixture
def demo(db, client):
    """The demo utility, a Latvian-speaking superuser logged in, the clock on its day."""
    # The profile is cached per process for a while: not expiring between two measurements.
    with time_machine.travel(NOW, tick=False), mock.patch("kabinet.utility.models.PROFILE_CACHE_SECONDS", 10**9):
        call_command("seed_demo", "--preset", "lv", stdout=io.StringIO())
        client.force_login(User.objects.get(username="carol"))
        client.cookies["django_language"] = "lv"
        yield


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


def test_no_list_pays_a_query_per_row(demo, client):
    """One seed for every list (the demo takes a while): the problems of all, at once."""
    problems = []
    for model in MODELS:
        list_queries(client, model, 5)  # the process's caches (content types, permissions) warm
        status_small, rows_small, small = list_queries(client, model, 5)
        status_big, rows_big, big = list_queries(client, model, 100)
        label = model._meta.label
        # 302: a one-row settings page whose list goes straight to its form.
        if not (status_small == status_big and status_big in (200, 302)):
            problems.append(f"{label}: answered {status_small} and {status_big}")
        if big > CEILING:
            problems.append(f"{label}: {big} queries")
        # A list of one page skips the paginator's separate count: fewer queries, never more.
        if rows_big > rows_small and big > small:
            problems.append(f"{label}: {small} queries for {rows_small} rows, {big} for {rows_big}")
    assert not problems, "\n".join(problems)


class _Texts(HTMLParser):
    """The text nodes of the admin's #content, as a reader sees them: not in scripts,
    option lists, text areas or code, nor in a column of codes (a service's code is the
    identifier staff give it)."""

    SKIP = {"script", "style", "textarea", "option", "pre", "code"}
    VOID = {"br", "img", "input", "hr", "meta", "link", "col", "area", "base", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped) from #content down
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        if self.stack or attrs.get("id") == "content":
            skipped = tag in self.SKIP or "field-code" in (attrs.get("class") or "").split()
            self.stack.append((tag, skipped or bool(self.stack and self.stack[-1][1])))

    def handle_endtag(self, tag):
        # Pop to the matching tag (the admin's HTML closes what it opens; <p> may be implied).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if self.stack and not self.stack[-1][1] and text:
            self.texts.append(text)


def page_texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


def test_every_list_and_object_reads_in_latvian(demo, client):
    """No raw code (cold_water, unknown_meter) and no English the catalogue translates, on
    each list and on its first object's page."""
    untranslated = english_left_untranslated("lv")
    problems = []
    for model in MODELS:
        opts = model._meta
        urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
        for url in urls:
            response = client.get(url, follow=True)
            if response.status_code != 200:
                problems.append(f"{url}: {response.status_code}")
                continue
            found = language_problems(page_texts(response.content.decode()), "lv", url, untranslated)
            # Russian is data here (a customer's name), not the interface: only the other checks.
            problems += sorted({p for p in found if "Russian on a" not in p})
    assert not problems, "\n".join(problems)
