"""The exports page and its downloads: who may open them, what a Latvian and a Russian
utility see, the run's ZIP holds the e-invoice customers' invoices only, and the number
of queries does not grow with the number of invoices."""

import datetime as dt
import io
import zipfile

import pytest
import time_machine
from django.urls import reverse
from lxml import etree

from kabinet.customers.models import Customer, CustomerKind
from kabinet.exports.models import EInvoiceRecipient
from kabinet.exports.peppol import NS, peppol_errors
from kabinet.exports.tests.conftest import invoice_with_lines
from kabinet.test import make_account

PAGE = "admin:exports_page"


@pytest.mark.parametrize("role", ["Accountant", "Administrator", "Auditor"])
def test_the_roles_that_answer_for_the_figures_open_the_page_and_download(client, council, staff, role):
    client.force_login(staff[role])

    page = client.get(reverse(PAGE), {"period": "2026-10"})

    assert page.status_code == 200
    text = page.content.decode()
    assert "E-invoices (UBL, Peppol BIS Billing 3.0)" in text and "ГИС ЖКХ upload templates" not in text
    assert reverse("admin:exports_run_ubl", args=[council.run.pk]) in text
    xml = client.get(reverse("admin:exports_invoice_ubl", args=[council.invoice.pk]))
    assert xml.status_code == 200 and xml["Content-Disposition"] == 'attachment; filename="2026-000101.xml"'
    assert peppol_errors(xml.content) == []


@pytest.mark.parametrize("role", ["Operator", "Customer service"])
def test_other_roles_are_refused(client, council, staff, role):
    client.force_login(staff[role])

    assert client.get(reverse(PAGE)).status_code == 403
    assert client.get(reverse("admin:exports_invoice_ubl", args=[council.invoice.pk])).status_code == 403
    assert client.get(reverse("admin:exports_run_ubl", args=[council.run.pk])).status_code == 403
    assert client.get(reverse("admin:exports_gis", args=["gis-accounts"])).status_code == 403


def test_anonymous_is_sent_to_the_login(client, council):
    response = client.get(reverse("admin:exports_run_ubl", args=[council.run.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_runs_zip_holds_the_e_invoice_customers_invoices_only(client, council, staff):
    client.force_login(staff["Accountant"])

    response = client.get(reverse("admin:exports_run_ubl", args=[council.run.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="ubl-2026-10.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["2026-000101.xml"]  # not Alice's household invoice
    root = etree.fromstring(archive.read("2026-000101.xml"))
    assert root.find("cbc:ID", NS).text == "2026-000101"


def test_a_disabled_recipient_gets_none(client, council, staff):
    EInvoiceRecipient.objects.filter(pk=council.recipient.pk).update(enabled=False)
    client.force_login(staff["Accountant"])

    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("admin:exports_run_ubl", args=[council.run.pk])).content))

    assert archive.namelist() == []


def test_the_zip_costs_the_same_queries_for_one_or_many_invoices(client, council, staff, django_assert_max_num_queries):
    client.force_login(staff["Accountant"])
    url = reverse("admin:exports_run_ubl", args=[council.run.pk])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    cold = council.personas.services["cold_water"]
    for n in range(2, 8):
        customer = Customer.objects.create(
            kind=CustomerKind.ORGANISATION, client_code=f"4000{n}", organisation_name=f"Skola {n}"
        )
        account = make_account(customer, f"40000{n}", "Skolas iela", str(n), "")
        EInvoiceRecipient.objects.create(customer=customer, endpoint=f"9000000000{n}")
        invoice_with_lines(
            account,
            council.run,
            f"2026-00020{n}",
            [("charge", cold, "metered", "", "1", "m3", "1.20", "1.20", "21", "0.25")],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(zipfile.ZipFile(io.BytesIO(response.content)).namelist()) == 7


def test_a_russian_utility_gets_the_gis_templates(client, ru_personas, staff):
    client.force_login(staff["Accountant"])

    page = client.get(reverse(PAGE), {"period": "2026-10"}).content.decode()

    assert "ГИС ЖКХ upload templates" in page and "E-invoices" not in page
    assert f"{reverse('admin:exports_gis', args=['gis-readings'])}?period=2026-10" in page
    download = client.get(reverse("admin:exports_gis", args=["gis-readings"]), {"period": "2026-10"})
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="gis-readings-2026-10.xlsx"'
    assert client.get(reverse("admin:exports_gis", args=["nonsense"])).status_code == 404


def test_a_latvian_utility_has_no_gis_downloads(client, personas, staff):
    client.force_login(staff["Accountant"])
    assert client.get(reverse("admin:exports_gis", args=["gis-accounts"])).status_code == 404


def test_a_wrong_month_shows_the_previous_one(client, personas, staff):
    client.force_login(staff["Accountant"])
    with time_machine.travel(dt.datetime(2026, 11, 5, 12, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse(PAGE), {"period": "2026-13"})
    assert response.status_code == 200 and response.context["period"] == dt.date(2026, 10, 1)
