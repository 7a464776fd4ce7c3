"""Staff control of the run in the back office: preview, issue, publish, cancel."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from kabinet.billing.models import BillingRun, Invoice, RunStatus
from kabinet.billing.tests.factories import reading, tariff

SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


@pytest.fixture
def lv(personas):
    tariff(personas.services["cold_water"], "1.20")
    reading(personas.alice_cold, SEP, "100.0")
    reading(personas.alice_cold, OCT, "112.5")
    return personas


def test_it_previews_one_account_with_its_lines(client, lv, password):
    client.login(username="carol", password=password)

    response = client.get(reverse("admin:billing_billingrun_preview"), {"period": "2026-10-15", "account": "100001"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "18.15" in page
    # The method as staff read it, in the page's language, not its code.
    with translation.override(response["Content-Language"]):
        assert translation.gettext("by meter reading") in page and ">metered<" not in page
    assert not Invoice.objects.exists()


def test_it_previews_all_accounts_then_issues_publishes_and_cancels(client, lv, password):
    client.login(username="carol", password=password)
    url = reverse("admin:billing_billingrun_preview")

    page = client.get(url, {"period": "2026-10-01"}).content.decode()
    assert "no_tariff:hot_water" in page  # alice's hot water has no tariff: an anomaly, no line
    response = client.post(url, {"period": "2026-10-01", "issue": "1"})
    run = BillingRun.objects.get(period=OCT)
    assert response.status_code == 302
    assert run.status == RunStatus.DRAFT

    changelist = reverse("admin:billing_billingrun_changelist")
    client.post(changelist, {"action": "publish_runs", "_selected_action": [run.pk]})
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED
    client.post(changelist, {"action": "cancel_runs", "_selected_action": [run.pk]}, follow=True)
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED  # refused: published runs are corrected next period


def test_it_refuses_a_period_that_is_already_billed(client, lv, password):
    client.cookies["django_language"] = "en"
    client.login(username="carol", password=password)
    url = reverse("admin:billing_billingrun_preview")
    client.post(url, {"period": "2026-10-01", "issue": "1"})

    response = client.post(url, {"period": "2026-10-01", "issue": "1"}, follow=True)

    assert "already been billed" in response.content.decode()
    assert BillingRun.objects.count() == 1


def test_it_lets_read_only_staff_preview_but_not_issue(client, lv, password):
    client.login(username="dave", password=password)
    url = reverse("admin:billing_billingrun_preview")

    assert client.get(url, {"period": "2026-10-01"}).status_code == 200
    assert client.post(url, {"period": "2026-10-01", "issue": "1"}).status_code == 403
    assert not BillingRun.objects.exists()


@pytest.mark.parametrize("who", ["alice@example.com", None])
def test_it_keeps_customers_and_visitors_out(client, lv, password, who):
    if who:
        client.login(username=who, password=password)
    response = client.get(reverse("admin:billing_billingrun_preview"), {"period": "2026-10-01"})
    assert response.status_code == 302
