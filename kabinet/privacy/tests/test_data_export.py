"""The demo customer downloads her data: the ZIP is opened and every section is checked
against the database; only she opens it, and only for seven days."""

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from unittest import mock

import time_machine
from django.core import mail
from django.db.models import Q, Sum
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from kabinet.billing.models import Invoice, InvoiceStatus
from kabinet.billing.services import LineSpec, invoice_create
from kabinet.customers.models import AccessRole, AccountAccess, User
from kabinet.demo import constants as c
from kabinet.meters.models import Meter, Reading
from kabinet.notifications.models import OutboxMessage
from kabinet.payments.models import Payment
from kabinet.privacy.export import SECTIONS, export_collect
from kabinet.privacy.models import DataExport, ExportStatus
from kabinet.privacy.services import data_exports_purge
from kabinet.privacy.tests.conftest import ALICE_PHONE
from kabinet.reception.models import Message
from kabinet.servicedesk.models import Comment, Photo, ServiceRequest
from kabinet.test import make_login, png_bytes
from kabinet.utility.models import Event


def request_export(client, user, capture) -> DataExport:
    client.force_login(user)
    with capture(execute=True):  # the build runs after the request's commit
        response = client.post(reverse("portal:privacy-export"))
    assert response.status_code == 302
    return DataExport.objects.get(user=user)


def open_zip(client, export) -> zipfile.ZipFile:
    response = client.get(reverse("portal:privacy-download", args=[export.token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def section(archive, name) -> list[dict]:
    rows = json.loads(archive.read(f"{name}.json"))
    table = list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8-sig"))))
    assert len(table) == len(rows), name
    if rows:
        assert [str(r["id"]) for r in table] == [str(r["id"]) for r in rows], name
    return rows


def ids(rows) -> list:
    return sorted(r["id"] for r in rows)


def test_it_exports_every_section_of_the_demo_customer_as_the_database_holds_it(
    demo, client, django_capture_on_commit_callbacks
):
    alice = demo
    export = request_export(client, alice, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.READY and export.size > 0
    archive = open_zip(client, export)
    index = json.loads(archive.read("index.json"))
    assert list(index["sections"]) == list(SECTIONS)

    login = section(archive, "login")
    assert len(login) == 1 and login[0]["id"] == alice.pk
    assert (login[0]["email"], login[0]["phone"], login[0]["username"]) == (alice.email, ALICE_PHONE, alice.username)
    assert "password" not in login[0] and "is_superuser" not in login[0]
    assert login[0]["mail_preferences"] == {}

    accesses = list(alice.account_accesses.select_related("account__premises__building", "account__customer"))
    accounts = section(archive, "accounts")
    assert sorted(a["number"] for a in accounts) == sorted(c.ALICE_ACCOUNTS["lv"])
    by_number = {a["number"]: a for a in accounts}
    for access in accesses:
        exported = by_number[access.account.number]
        assert exported["premises"]["address"] == access.account.premises.address
        assert exported["customer"]["client_code"] == access.account.customer.client_code
        assert exported["access_role"] == access.role

    premises_ids = [a.account.premises_id for a in accesses]
    assert ids(section(archive, "meters")) == sorted(
        Meter.objects.filter(premises_id__in=premises_ids).values_list("pk", flat=True)
    )

    readings = section(archive, "readings")
    open_while = Q(pk__in=[])
    for access in accesses:
        open_while |= Q(meter__premises=access.account.premises, period__gte=access.account.opened_on.replace(day=1))
    expected_readings = Reading.objects.filter(open_while)
    assert readings and ids(readings) == sorted(expected_readings.values_list("pk", flat=True))
    for exported in readings[:5]:
        reading = Reading.objects.get(pk=exported["id"])
        assert Decimal(exported["value"]) == reading.value
        assert exported["source"] == reading.source and exported["source_label"] == reading.get_source_display()

    invoices = section(archive, "invoices")
    expected_invoices = Invoice.objects.filter(account__in=[a.account for a in accesses], status=InvoiceStatus.ISSUED)
    assert len(invoices) == expected_invoices.count() == 24  # two premises, a year each
    assert sum(Decimal(i["amount_due"]) for i in invoices) == expected_invoices.aggregate(s=Sum("amount_due"))["s"]
    for invoice in invoices:
        assert archive.read(invoice["pdf"]).startswith(b"%PDF")

    payments = section(archive, "payments")
    expected_payments = Payment.objects.filter(account__in=[a.account for a in accesses])
    assert ids(payments) == sorted(expected_payments.values_list("pk", flat=True))
    assert sum(Decimal(p["amount"]) for p in payments) == (expected_payments.aggregate(s=Sum("amount"))["s"] or 0)

    requests = section(archive, "requests")
    assert ids(requests) == sorted(
        ServiceRequest.objects.filter(Q(account__accesses__user=alice) | Q(created_by=alice))
        .distinct()
        .values_list("pk", flat=True)
    )
    photo = Photo.objects.get(request__created_by=alice)
    (name,) = next(r for r in requests if r["id"] == photo.request_id)["photos"]
    assert archive.read(name) == png_bytes()
    assert ids(section(archive, "request_comments")) == sorted(
        Comment.objects.filter(request__in=[r["id"] for r in requests], internal=False).values_list("pk", flat=True)
    )

    messages = section(archive, "messages")
    assert ids(messages) == sorted(Message.objects.filter(user=alice).values_list("pk", flat=True))
    assert messages[0]["ip"] == "10.1.2.3"

    emails = section(archive, "emails")
    # The export's own mail (the last one) is queued after the ZIP is built.
    sent = OutboxMessage.objects.filter(Q(user=alice) | Q(to__iexact=alice.email)).order_by("pk")
    assert ids(emails) == list(sent.values_list("pk", flat=True))[:-1]
    assert all("secret_values" not in e and "context" not in e for e in emails)

    events = section(archive, "events")
    own = Event.objects.filter(Q(actor=alice) | Q(object_type="customers.user", object_id=str(alice.pk)))
    assert events and ids(events) == sorted(own.values_list("pk", flat=True))

    consents = section(archive, "consents")
    assert [(r["kind"], r["given"]) for r in consents] == [("reading_reminder", False)]
    privacy_requests = section(archive, "privacy_requests")
    assert privacy_requests == []

    # The link is mailed, and the outbox keeps a placeholder instead of it.
    message = OutboxMessage.objects.filter(user=alice).latest("pk")
    assert export.token not in message.body_text and export.token not in message.subject
    link = reverse("portal:privacy-download", args=[export.token])
    assert any(link in m.body for m in mail.outbox if m.to == [alice.email])

    # Only its login opens it, and only for seven days.
    client.logout()
    response = client.get(link)
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]
    client.force_login(User.objects.get(email=c.BOB_EMAIL))
    assert client.get(link).status_code == 404
    client.force_login(alice)
    assert client.get(reverse("portal:privacy-download", args=["not-the-token"])).status_code == 404
    with time_machine.travel(export.expires_at + dt.timedelta(seconds=1), tick=False):
        assert client.get(link).status_code == 404
    assert client.get(link).status_code == 200


def test_a_second_request_waits_for_the_first(personas, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client.force_login(personas.alice)
    with (
        mock.patch("kabinet.privacy.services.current_app.send_task") as send,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        client.post(reverse("portal:privacy-export"))
    client.post(reverse("portal:privacy-export"))
    (pending,) = DataExport.objects.filter(user=personas.alice)
    assert pending.status == ExportStatus.PENDING
    send.assert_called_once_with("kabinet.privacy.tasks.data_export_build_task", args=[pending.pk])
    page = client.get(reverse("portal:privacy"))
    with translation.override(page["Content-Language"]):  # alice's own language
        assert escape(translation.gettext("Your data is already being prepared.")) in page.content.decode()


def test_a_new_copy_replaces_the_old_one_and_its_file(
    personas, client, private_media, django_capture_on_commit_callbacks
):
    first = request_export(client, personas.alice, django_capture_on_commit_callbacks)
    path = private_media / first.file.name
    assert path.exists()
    second = request_export(client, personas.alice, django_capture_on_commit_callbacks)
    assert second.pk != first.pk and not path.exists()
    assert list(DataExport.objects.filter(user=personas.alice)) == [second]


def test_expired_copies_are_purged_with_their_files(
    personas, client, private_media, django_capture_on_commit_callbacks
):
    export = request_export(client, personas.alice, django_capture_on_commit_callbacks)
    path = private_media / export.file.name
    assert data_exports_purge() == 0
    assert data_exports_purge(now=export.expires_at) == 1
    assert not path.exists() and not DataExport.objects.exists()


def test_the_page_lists_the_copies_and_bob_sees_none_of_alices(personas, client, django_capture_on_commit_callbacks):
    export = request_export(client, personas.alice, django_capture_on_commit_callbacks)
    page = client.get(reverse("portal:privacy")).content.decode()
    assert reverse("portal:privacy-download", args=[export.token]) in page
    client.force_login(personas.bob)
    page = client.get(reverse("portal:privacy")).content.decode()
    assert export.token not in page


def test_a_household_member_gets_no_invoices_and_not_the_holders_card(personas):
    invoice_create(
        account=personas.alice_account,
        period=dt.date(2026, 9, 1),
        lines=[LineSpec(personas.services["cold_water"], "Water", Decimal("1"), "m3", Decimal("12.34"), Decimal("0"))],
        issued_on=dt.date(2026, 10, 10),
        due_on=dt.date(2026, 10, 25),
    )
    personas.alice_customer.registration_number = "010190-12345"
    personas.alice_customer.save()
    son = make_login(personas.alice_customer, "son@example.com", [])
    AccountAccess.objects.create(user=son, account=personas.alice_account, role=AccessRole.READINGS)
    User.objects.filter(pk=son.pk).update(customer=None)
    son.refresh_from_db()
    data = export_collect(son)
    assert data.sections["invoices"] == [] and data.invoices == []
    (account,) = data.sections["accounts"]
    assert "registration_number" not in account["customer"] and "email" not in account["customer"]
    holder = export_collect(personas.alice)
    assert len(holder.sections["invoices"]) == 1
    assert {a["customer"]["registration_number"] for a in holder.sections["accounts"]} == {"010190-12345"}
    assert (
        not any(r["meter_id"] == personas.bob_cold.pk for r in holder.sections["readings"])
        and not holder.sections["emails"]
    )
