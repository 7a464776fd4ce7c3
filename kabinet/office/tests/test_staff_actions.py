"""What staff do for the customer on the line, from the 360° page: file a service request
on the customer's behalf, and take a payment at the cashier with the account filled in."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.notifications.models import OutboxMessage
from kabinet.servicedesk.models import Category, RequestStatus, ServiceRequest, StatusChange
from kabinet.test import png_bytes


def file_url(account) -> str:
    return reverse("admin:servicedesk_servicerequest_file", args=[account.pk])


def leak_form(**extra) -> dict:
    return {
        "category": Category.objects.get(code="leak").pk,
        "description": "Ūdens tek zem izlietnes / течёт под раковиной",
        "phone": "+371 20000000",
        "preferred_time": "",
        "submit_key": "call-2026-12-07-1",
        **extra,
    }


def test_the_operator_files_a_request_for_the_caller_and_the_customer_sees_and_hears_of_it(client, staff, personas):
    p = personas
    operator = staff["Operator"]
    client.force_login(operator)
    page = client.get(file_url(p.alice_account)).content.decode()
    assert p.alice_account.number in page and 'name="description"' in page
    form = leak_form(photos=[SimpleUploadedFile("leak.png", png_bytes())])
    response = client.post(file_url(p.alice_account), form)
    req = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{req.pk}/change/")
    assert (req.account, req.premises_id, req.created_by, req.status) == (
        p.alice_account,
        p.alice_account.premises_id,
        operator,
        RequestStatus.NEW,
    )
    assert req.photos.count() == 1
    assert StatusChange.objects.get(request=req).actor == operator
    # The account holder's login is told, not the operator.
    mail = OutboxMessage.objects.get(kind="request")
    assert mail.to == p.alice.email
    # The same form sent again (a double click) files nothing new.
    client.post(file_url(p.alice_account), leak_form())
    assert ServiceRequest.objects.count() == 1
    client.force_login(p.alice)
    assert str(req.pk) in client.get(reverse("portal:requests")).content.decode()


def test_bad_input_is_refused_and_files_nothing(client, staff, personas):
    client.force_login(staff["Operator"])
    response = client.post(file_url(personas.alice_account), leak_form(description="  ", phone="call me"))
    assert response.status_code == 200
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize("role", ["Meter engineer", "Dispatcher", "Accountant", "Auditor", "no role"])
def test_roles_without_the_add_permission_are_refused(client, staff, personas, role):
    client.force_login(staff[role])
    assert client.get(file_url(personas.alice_account)).status_code == 403
    assert client.post(file_url(personas.alice_account), leak_form()).status_code == 403
    assert ServiceRequest.objects.count() == 0


def test_a_closed_account_has_no_request_page(client, staff, personas):
    personas.alice_account.closed_on = dt.date(2026, 1, 31)
    personas.alice_account.save()
    client.force_login(staff["Operator"])
    assert client.get(file_url(personas.alice_account)).status_code == 404


def test_the_360_page_links_to_the_request_page_and_the_cashier_per_account(client, staff, personas):
    client.force_login(personas.carol)
    page = client.get(reverse("admin:customers_customer_picture", args=[personas.alice_customer.pk])).content.decode()
    assert file_url(personas.alice_account) in page
    assert f"{reverse('admin:payments_cashier')}?account={personas.alice_account.number}" in page


def test_the_cashier_opens_with_the_account_its_payer_and_what_it_owes(client, staff, personas):
    p = personas
    invoice = invoice_create(
        account=p.alice_account,
        period=dt.date(2026, 10, 1),
        lines=[LineSpec(p.services["cold_water"], "Water", Decimal("1"), "m3", Decimal("12.35"), Decimal("0"))],
        issued_on=dt.date(2026, 11, 10),
        due_on=dt.date(2026, 11, 25),
    )
    assert invoice.total == Decimal("12.35")  # 1 m³ × 12.35, no VAT: nothing paid yet
    client.force_login(staff["Accountant"])
    page = client.get(reverse("admin:payments_cashier") + f"?account={p.alice_account.number}").content.decode()
    assert f'value="{p.alice_account.number}"' in page
    assert 'value="12.35"' in page
    assert p.alice_customer.display_name in page
    # An unknown number opens an empty form, not an error.
    page = client.get(reverse("admin:payments_cashier") + "?account=999999").content.decode()
    assert 'value="999999"' not in page
