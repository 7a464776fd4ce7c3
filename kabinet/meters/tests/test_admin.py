import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.meters.models import InboundMessage, Reading, ReadingImport, ReadingSource, ReadingStatus

IN_WINDOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


@pytest.mark.parametrize(
    "url",
    ["admin:meters_hotline", "admin:meters_missing", "admin:meters_readingimport_upload"],
)
def test_customers_and_anonymous_cannot_open_the_back_office(client, personas, url):
    assert client.get(reverse(url)).status_code == 302
    client.force_login(personas.alice)
    assert client.get(reverse(url)).status_code == 302  # not staff: the admin login


def test_read_only_staff_cannot_enter_or_import_readings(client, personas):
    client.force_login(personas.dave)
    assert client.get(reverse("admin:meters_hotline")).status_code == 403
    assert client.get(reverse("admin:meters_readingimport_upload")).status_code == 403
    assert client.get(reverse("admin:meters_missing")).status_code == 200


@time_machine.travel(IN_WINDOW, tick=False)
def test_the_operator_finds_the_account_and_enters_readings_during_the_call(client, personas):
    client.force_login(personas.carol)
    page = client.get(reverse("admin:meters_hotline"), {"q": "Bērziņa"}).content.decode()
    assert "100001" in page and "100002" in page and "200001" not in page
    page = client.get(reverse("admin:meters_hotline"), {"q": "Rīgas 5 12"}).content.decode()
    assert "100001" in page and "200001" not in page
    url = reverse("admin:meters_hotline") + f"?account={personas.alice_account.pk}"
    page = client.post(url, {f"value_{personas.alice_cold.pk}": "12,5"}).content.decode()
    assert "Accepted" in page
    reading = Reading.objects.get()
    assert reading.source == ReadingSource.PHONE and reading.entered_by == personas.carol
    assert reading.value == Decimal("12.5")


@time_machine.travel(IN_WINDOW, tick=False)
def test_staff_import_a_file_after_a_preview(client, personas):
    client.force_login(personas.carol)
    upload = SimpleUploadedFile("amr.csv", b"CW-1001;28.11.2026;10\nCW-2001;28.11.2026;x\n")
    page = client.post(reverse("admin:meters_readingimport_upload"), {"file": upload}).content.decode()
    assert "1 will be accepted, 1 rejected" in page and "Not a number" in page
    assert not Reading.objects.exists()
    sha = page.split('name="sha256" value="')[1].split('"')[0]
    response = client.post(reverse("admin:meters_readingimport_upload"), {"sha256": sha, "file_name": "amr.csv"})
    assert response.status_code == 302
    assert ReadingImport.objects.get().accepted == 1
    assert Reading.objects.filter(status="accepted").count() == 1


@time_machine.travel(IN_WINDOW, tick=False)
def test_staff_correct_a_reading_and_review_flagged_ones(client, personas):
    reading = Reading.objects.create(
        meter=personas.alice_cold,
        period=dt.date(2026, 11, 1),
        value=Decimal("120"),
        source="portal",
        status=ReadingStatus.ACCEPTED,
        flag="leak",
    )
    client.force_login(personas.carol)
    changelist = client.get(reverse("admin:meters_reading_changelist"), {"review": "todo"}).content.decode()
    assert "CW-1001" in changelist
    url = reverse("admin:meters_reading_correct", args=[reading.pk])
    assert client.post(url, {"value": "12", "reason": ""}).status_code == 200  # a reason is required
    response = client.post(url, {"value": "12", "reason": "Typo confirmed by phone"})
    assert response.status_code == 302
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.SUPERSEDED and reading.reviewed_at is not None
    assert Reading.objects.get(status="accepted").reason_text == "Typo confirmed by phone"


def test_staff_see_accounts_without_a_reading(client, personas):
    Reading.objects.create(
        meter=personas.alice_cold, period=dt.date(2026, 11, 1), value=Decimal("1"), source="portal", status="accepted"
    )
    client.force_login(personas.carol)
    page = client.get(reverse("admin:meters_missing"), {"period": "2026-11"}).content.decode()
    assert "200001" in page and "100001" not in page


def test_staff_handle_the_mail_queue(client, personas):
    message = InboundMessage.objects.create(
        channel="email", external_id="<x@y>", sender="a@b.example", body="hello", status="unparsed"
    )
    client.force_login(personas.carol)
    client.post(
        reverse("admin:meters_inboundmessage_changelist"),
        {"action": "mark_handled", "_selected_action": [message.pk]},
    )
    message.refresh_from_db()
    assert message.status == "handled" and message.handled_by == personas.carol


@time_machine.travel(IN_WINDOW, tick=False)
def test_staff_see_why_a_reading_was_refused_in_their_own_language(client, personas):
    refused = Reading.objects.create(
        meter=personas.alice_cold,
        period=dt.date(2026, 11, 1),
        value=Decimal("1"),
        source=ReadingSource.EMAIL,
        status=ReadingStatus.REJECTED,
        reason="lower_than_previous",
        reason_text="Показание 1 меньше предыдущего, 120.",  # the customer wrote in Russian
    )
    client.force_login(personas.carol)
    page = client.get(reverse("admin:meters_reading_changelist"), {"review": "todo"}).content.decode()
    assert "Lower than the previous reading, and not a rollover." in page
    assert "lower_than_previous" not in page.replace('"lower_than_previous"', "")
    client.cookies["django_language"] = "lv"
    page = client.get(reverse("admin:meters_reading_change", args=[refused.pk])).content.decode()
    assert "lower_than_previous" not in page
