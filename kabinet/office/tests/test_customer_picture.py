"""The customer's whole picture (360°) and the search that finds the customer."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.billing.services import LineSpec, invoice_create
from kabinet.customers.models import AccessRole, Invitation
from kabinet.notifications.models import OutboxMessage, OutboxStatus
from kabinet.office.picture import customer_picture, customers_find
from kabinet.payments.models import PaymentChannel
from kabinet.payments.selectors import account_dues
from kabinet.payments.services import payment_register
from kabinet.reception.models import Message
from kabinet.servicedesk.models import Category
from kabinet.servicedesk.services import request_file
from kabinet.utility.services import event_record

SECTIONS = ["accounts", "logins", "meters", "invoices", "payments", "requests", "messages", "outbox", "events"]


def invoice(personas, period: dt.date, amount: str):
    return invoice_create(
        account=personas.alice_account,
        period=period,
        lines=[LineSpec(personas.services["cold_water"], "Water", Decimal("1"), "m3", Decimal(amount), Decimal("0"))],
        issued_on=period + dt.timedelta(days=40),
        due_on=period + dt.timedelta(days=55),
    )


def outbox(personas, n: int, status=OutboxStatus.SENT) -> OutboxMessage:
    return OutboxMessage.objects.create(
        kind="invoice",
        to="alice@example.com",
        customer_id=personas.alice_customer.pk,
        subject=f"Your invoice {n}",
        body_text="…",
        status=status,
    )


@pytest.fixture
def pictured(personas):
    p = personas
    p.september = invoice(p, dt.date(2026, 8, 1), "40.00")
    p.october = invoice(p, dt.date(2026, 9, 1), "30.00")
    p.payment, _ = payment_register(
        account=p.alice_account,
        amount=Decimal("50.00"),
        paid_on=dt.date(2026, 10, 20),
        channel=PaymentChannel.BANK,
        external_id="B-1",
        payer_name="Alise",
        notify=False,
    )
    p.request = request_file(
        user=p.alice,
        account=p.alice_account,
        category=Category.objects.get(code="leak"),
        description="Leak under the sink",
        phone="20000000",
    )
    Message.objects.create(
        name="Alise", email="alice@example.com", subject="About my bill", text="?", customer_id=p.alice_customer.pk
    )
    Message.objects.create(name="Boriss", email="bob@example.com", subject="Bob's question", text="?", user=p.bob)
    outbox(p, 1)
    outbox(p, 2, status=OutboxStatus.FAILED)
    event_record(kind="customer.changed", actor=p.carol, obj=p.alice_customer, message="Phone changed")
    event_record(kind="customer.changed", actor=p.carol, obj=p.bob_customer, message="Bob's phone")
    Invitation.objects.create(
        account=p.alice_account, email="son@example.com", role=AccessRole.READINGS, invited_by=p.alice
    )
    return p


def picture_url(personas) -> str:
    return reverse("admin:customers_customer_picture", args=[personas.alice_customer.pk])


def test_it_shows_the_customer_whole_picture(client, pictured):
    p = pictured
    client.force_login(p.carol)
    page = client.get(picture_url(p)).content.decode()
    for text in (
        "100001",
        "100002",
        "Saules iela 14-3",  # the second premises
        "CW-1001",
        "HW-1001",
        p.september.number,
        p.october.number,
        "Leak",
        p.request.number,
        "About my bill",
        "Your invoice 1",
        "Failed",
        "Customer: changed",
        "Phone changed",
        "alice@example.com",
        "son@example.com",
    ):
        assert text in page, text
    assert "Bob&#x27;s question" not in page and "Bob's question" not in page and "Bob&#x27;s phone" not in page


def test_it_says_what_is_paid_and_due_as_account_dues_does(client, pictured):
    p = pictured
    client.force_login(p.carol)
    page = client.get(picture_url(p)).content.decode()
    dues = account_dues([p.alice_account.pk], dt.date.today())[p.alice_account.pk]
    assert dues.to_pay == Decimal("20.00")
    invoices = page.split('id="invoices"')[1].split("</section>")[0]
    october = invoices.split(p.october.number)[1].split("</tr>")[0]
    assert "10.00" in october and "20.00" in october and "part-paid" in october
    september = invoices.split(p.september.number)[1].split("</tr>")[0]
    assert ">paid<" in september.replace(" ", "")
    payments = page.split('id="payments"')[1].split("</section>")[0]
    assert f"invoice {p.september.number}: 40.00" in payments and f"invoice {p.october.number}: 10.00" in payments


def test_it_links_to_the_actions_staff_take_from_there(client, pictured):
    p = pictured
    client.force_login(p.carol)
    page = client.get(picture_url(p)).content.decode()
    assert f"{reverse('admin:meters_hotline')}?q=100001&amp;account={p.alice_account.pk}" in page
    assert reverse("admin:payments_cashier") in page
    assert reverse("admin:customers_customer_open_access", args=[p.alice_customer.pk]) in page


@pytest.mark.parametrize(
    "role, shown, hidden",
    [
        ("Operator", {"accounts", "meters", "invoices", "payments", "requests", "messages"}, {"outbox", "events"}),
        ("Dispatcher", {"accounts", "meters", "requests"}, {"invoices", "payments", "messages", "outbox", "events"}),
        ("Customer service", {"accounts", "outbox", "messages", "invoices"}, {"events"}),
        ("Auditor", set(SECTIONS), set()),
    ],
)
def test_each_role_sees_the_sections_of_its_permissions(client, staff, pictured, role, shown, hidden):
    client.force_login(staff[role])
    page = client.get(picture_url(pictured)).content.decode()
    for section in shown:
        assert f'id="{section}"' in page, section
    for section in hidden:
        assert f'id="{section}"' not in page, section


def test_the_actions_follow_the_permissions(client, staff, pictured):
    client.force_login(staff["Dispatcher"])
    page = client.get(picture_url(pictured)).content.decode()
    assert reverse("admin:meters_hotline") not in page and reverse("admin:payments_cashier") not in page
    client.force_login(staff["Operator"])
    page = client.get(picture_url(pictured)).content.decode()
    assert reverse("admin:meters_hotline") in page and reverse("admin:payments_cashier") not in page


def test_it_is_refused_without_the_customer_view_permission(client, staff, pictured):
    for role in ("Administrator", "no role"):
        client.force_login(staff[role])
        assert client.get(picture_url(pictured)).status_code == 403
    client.force_login(pictured.alice)
    response = client.get(picture_url(pictured))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_is_read_only(client, pictured):
    client.force_login(pictured.carol)
    assert client.post(picture_url(pictured), {}).status_code == 405
    assert client.post(reverse("admin:customers_customer_find"), {"q": "100001"}).status_code == 405


def test_its_queries_do_not_grow_with_the_history(client, pictured, django_assert_max_num_queries):
    p = pictured
    client.force_login(p.carol)
    client.get(picture_url(p))
    with django_assert_max_num_queries(18) as before:
        assert client.get(picture_url(p)).status_code == 200
    for n in range(24):
        period = dt.date(2024, 1, 1) + dt.timedelta(days=31 * n)
        invoice(p, period.replace(day=1), "5.00")
        payment_register(
            account=p.alice_account,
            amount=Decimal("1.00"),
            paid_on=dt.date(2026, 11, 1),
            channel=PaymentChannel.BANK,
            external_id=f"B-more-{n}",
            notify=False,
        )
        outbox(p, 100 + n)
        Message.objects.create(
            name="A", email="a@example.com", subject=f"More {n}", text="?", customer_id=p.alice_customer.pk
        )
        event_record(kind="customer.changed", actor=p.carol, obj=p.alice_customer)
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert client.get(picture_url(p)).status_code == 200


def test_the_picture_selector_reads_one_query_a_section(pictured, django_assert_num_queries):
    p = pictured
    with django_assert_num_queries(12):
        pic = customer_picture(p.alice_customer, user=p.carol)
    assert [a.number for a in pic.accounts] == ["100001", "100002"]
    assert {m.serial_number for m in pic.meters} == {"CW-1001", "HW-1001"}


# --- the search --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["100001", "10001", "Alise Bērziņa", "bērziņa", "Saules iela 14", "+371 2912 3456", "alice@example.com", "cw-1001"],
)
def test_it_finds_the_customer_by_what_the_caller_says(personas, query):
    personas.alice_customer.phone = "+37129123456"
    personas.alice_customer.save()
    assert list(customers_find(query)) == [personas.alice_customer]


def test_a_building_finds_everyone_living_there(personas):
    assert list(customers_find("Rīgas iela 5")) == [personas.alice_customer, personas.bob_customer]
    assert list(customers_find("")) == []


def test_one_match_opens_the_picture_and_several_are_listed(client, staff, personas):
    client.force_login(staff["Operator"])
    url = reverse("admin:customers_customer_find")
    response = client.get(url, {"q": "CW-2001"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:customers_customer_picture", args=[personas.bob_customer.pk])
    page = client.get(url, {"q": "Rīgas iela 5"}).content.decode()
    assert "Bērziņa" in page and "Ivanovs" in page and "100001" in page
    assert "No customer found." in client.get(url, {"q": "nobody"}).content.decode()


def test_the_customer_pages_link_to_the_picture(client, personas):
    client.force_login(personas.carol)
    target = reverse("admin:customers_customer_picture", args=[personas.alice_customer.pk])
    assert target in client.get(reverse("admin:customers_customer_changelist")).content.decode()
    change = reverse("admin:customers_customer_change", args=[personas.alice_customer.pk])
    assert target in client.get(change).content.decode()
    changelist = client.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert reverse("admin:customers_customer_find") in changelist


def test_the_picture_speaks_russian(client, pictured):
    client.cookies["django_language"] = "ru"
    client.force_login(pictured.carol)
    response = client.get(picture_url(pictured))
    assert response.status_code == 200 and 'id="payments"' in response.content.decode()


def test_an_overpayment_shows_as_credit(client, pictured):
    p = pictured
    payment_register(
        account=p.alice_account,
        amount=Decimal("35.00"),
        paid_on=dt.date(2026, 11, 2),
        channel=PaymentChannel.CASHIER,
        external_id="C-1",
        notify=False,
    )
    client.force_login(p.carol)
    page = client.get(picture_url(p)).content.decode()
    payments = page.split('id="payments"')[1].split("</section>")[0]
    assert f"invoice {p.october.number}: 20.00; 15.00 not on an invoice" in payments
    accounts = page.split('id="accounts"')[1].split("</section>")[0]
    assert "15.00" in accounts  # the account's credit
