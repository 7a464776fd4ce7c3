import datetime as dt
import os
import time
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from kabinet.customers.models import MailPreference
from kabinet.meters.models import Meter, MeterStatus
from kabinet.notifications.models import MailKind, OutboxMessage
from kabinet.servicedesk.models import Category, Photo, RequestStatus, ServiceRequest, StatusChange
from kabinet.servicedesk.services import (
    MeterUpdate,
    photos_sweep_orphans,
    request_comment_add,
    request_file,
    request_rate,
    request_reopen,
    request_set_status,
)
from kabinet.test import jpeg_bytes, png_bytes
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import Event

pytestmark = pytest.mark.usefixtures("private_media")


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def file_leak(personas, **kwargs) -> ServiceRequest:
    defaults = {
        "user": personas.alice,
        "account": personas.alice_account,
        "category": category("leak"),
        "description": "Water drips from the ceiling in the bathroom",
        "phone": "+371 20000000",
    }
    defaults.update(kwargs)
    return request_file(**defaults)


def mails(req=None):
    return list(OutboxMessage.objects.filter(kind=MailKind.REQUEST).order_by("id"))


def test_it_walks_a_request_through_the_whole_pipeline_with_its_emails(personas):
    req = file_leak(personas, photos=[SimpleUploadedFile("leak.png", png_bytes(), content_type="image/png")])
    assert req.status == RequestStatus.NEW
    assert req.due_at - req.created == dt.timedelta(hours=4)  # the leak category's deadline
    assert req.photos.count() == 1
    carol = personas.carol
    visit = timezone.now() + dt.timedelta(days=1)
    request_set_status(request=req, status=RequestStatus.ACCEPTED, actor=carol)
    request_set_status(request=req, status=RequestStatus.SCHEDULED, actor=carol, scheduled_for=visit)
    request_set_status(request=req, status=RequestStatus.IN_PROGRESS, actor=carol)
    request_set_status(request=req, status=RequestStatus.DONE, actor=carol, note="Replaced the pipe joint")
    req.refresh_from_db()
    assert req.status == RequestStatus.DONE and req.closed_at is not None
    request_rate(request=req, actor=personas.alice, rating=5, comment="Quick, thank you")
    req.refresh_from_db()
    assert req.rating == 5

    history = list(req.status_changes.values_list("from_status", "to_status"))
    assert history == [
        ("", "new"),
        ("new", "accepted"),
        ("accepted", "scheduled"),
        ("scheduled", "in_progress"),
        ("in_progress", "done"),
    ]
    assert Event.objects.filter(kind="servicerequest.status", object_id=str(req.pk)).count() == 4
    sent = mails()
    assert [m.to for m in sent] == ["alice@example.com"] * 5
    assert f"Request {req.number} received" in sent[0].subject or req.number in sent[0].subject
    assert all(req.number in m.subject for m in sent)
    assert "Replaced the pipe joint" in sent[-1].body_text
    assert "/unsubscribe/" in sent[-1].body_text and "/unsubscribe/" in sent[-1].body_html
    assert "+371 654 00000" in sent[0].body_text  # an emergency: the emergency line at once


def test_it_rejects_with_a_reason_and_mails_it(personas):
    req = file_leak(personas)
    with pytest.raises(ApplicationError) as exc:
        request_set_status(request=req, status=RequestStatus.REJECTED, actor=personas.carol, reason="  ")
    assert exc.value.field == "reason"
    request_set_status(request=req, status=RequestStatus.REJECTED, actor=personas.carol, reason="Not our network")
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED
    assert "Not our network" in mails()[-1].body_text


@pytest.mark.parametrize(
    "path,refused",
    [
        ([], RequestStatus.DONE),
        ([], RequestStatus.IN_PROGRESS),
        ([RequestStatus.ACCEPTED], RequestStatus.NEW),
        ([RequestStatus.REJECTED], RequestStatus.ACCEPTED),
        ([RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS, RequestStatus.DONE], RequestStatus.REJECTED),
    ],
)
def test_it_refuses_a_status_change_not_in_the_pipeline(personas, path, refused):
    req = file_leak(personas)
    for status in path:
        request_set_status(request=req, status=status, actor=personas.carol, reason="r")
    before = (StatusChange.objects.count(), OutboxMessage.objects.count(), Event.objects.count())
    with pytest.raises(ApplicationError) as exc, translation.override("en"):
        request_set_status(request=req, status=refused, actor=personas.carol, reason="r")
    assert exc.value.code == "status_not_allowed"
    assert "cannot become" in exc.value.message
    assert (StatusChange.objects.count(), OutboxMessage.objects.count(), Event.objects.count()) == before
    status_now = path[-1] if path else RequestStatus.NEW
    assert ServiceRequest.objects.get(pk=req.pk).status == status_now


def test_it_needs_a_visit_time_to_schedule(personas):
    req = file_leak(personas)
    with pytest.raises(ApplicationError) as exc:
        request_set_status(request=req, status=RequestStatus.SCHEDULED, actor=personas.carol)
    assert exc.value.field == "scheduled_for"
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.NEW


def finish(req, actor):
    request_set_status(request=req, status=RequestStatus.ACCEPTED, actor=actor)
    request_set_status(request=req, status=RequestStatus.IN_PROGRESS, actor=actor)
    request_set_status(request=req, status=RequestStatus.DONE, actor=actor)


def test_it_reopens_within_14_days_but_not_later(personas):
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC), tick=False):
        req = file_leak(personas)
        finish(req, personas.carol)
        request_rate(request=req, actor=personas.alice, rating=2)
    with time_machine.travel(dt.datetime(2026, 5, 14, 9, tzinfo=dt.UTC), tick=False):
        request_reopen(request=req, actor=personas.alice, reason="Still dripping")
    req.refresh_from_db()
    assert req.status == RequestStatus.REOPENED and req.reopen_count == 1 and req.rating is None
    assert "Still dripping" in mails()[-1].body_text
    with time_machine.travel(dt.datetime(2026, 5, 15, 9, tzinfo=dt.UTC), tick=False):
        finish_again = [RequestStatus.IN_PROGRESS, RequestStatus.DONE]
        for status in finish_again:
            request_set_status(request=req, status=status, actor=personas.carol)
    with time_machine.travel(dt.datetime(2026, 5, 30, 9, tzinfo=dt.UTC), tick=False):
        with pytest.raises(ApplicationError) as exc:
            request_reopen(request=req, actor=personas.alice, reason="Again")
    assert exc.value.code == "reopen_too_late"
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.DONE


def test_it_needs_a_reason_to_reopen(personas):
    req = file_leak(personas)
    finish(req, personas.carol)
    with pytest.raises(ApplicationError):
        request_reopen(request=req, actor=personas.alice, reason="")
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.DONE


def test_it_rates_only_finished_work_once(personas):
    req = file_leak(personas)
    with pytest.raises(ApplicationError):
        request_rate(request=req, actor=personas.alice, rating=5)
    finish(req, personas.carol)
    with pytest.raises(ApplicationError):
        request_rate(request=req, actor=personas.alice, rating=6)
    request_rate(request=req, actor=personas.alice, rating=4)
    with pytest.raises(ApplicationError):
        request_rate(request=req, actor=personas.alice, rating=1)
    assert ServiceRequest.objects.get(pk=req.pk).rating == 4


def test_it_closes_a_verification_request_by_updating_the_meter(personas):
    meter = personas.alice_hot
    req = request_file(
        user=personas.alice,
        account=personas.alice_account,
        category=category("meter_verification"),
        meter=meter,
        description="Verification is due",
        phone="20000000",
    )
    request_set_status(request=req, status=RequestStatus.ACCEPTED, actor=personas.carol)
    request_set_status(request=req, status=RequestStatus.IN_PROGRESS, actor=personas.carol)
    with pytest.raises(ApplicationError) as exc:
        request_set_status(request=req, status=RequestStatus.DONE, actor=personas.carol)
    assert exc.value.code == "meter_update_required"
    today = timezone.localdate()
    request_set_status(
        request=req, status=RequestStatus.DONE, actor=personas.carol, meter_update=MeterUpdate(verified_on=today)
    )
    meter.refresh_from_db()
    assert meter.verified_on == today
    assert meter.verification_due == today.replace(year=today.year + 4)  # hot water: every 4 years
    assert Event.objects.filter(kind="meter.verified", object_id=str(meter.pk)).exists()


def test_it_stores_the_seal_put_on_at_the_verification(personas):
    meter = personas.alice_hot
    meter.seal_number = "OLD-1"
    meter.save(update_fields=["seal_number"])
    req = request_file(
        user=personas.alice,
        account=personas.alice_account,
        category=category("meter_verification"),
        meter=meter,
        description="Verification is due",
        phone="20000000",
    )
    for status in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS):
        request_set_status(request=req, status=status, actor=personas.carol)
    today = timezone.localdate()

    request_set_status(
        request=req,
        status=RequestStatus.DONE,
        actor=personas.carol,
        meter_update=MeterUpdate(verified_on=today, seal_number="  S-2026-0457 "),
    )

    meter.refresh_from_db()
    assert meter.seal_number == "S-2026-0457" and meter.verified_on == today
    event = Event.objects.get(kind="meter.verified", object_id=str(meter.pk))
    assert event.data["seal"] == "S-2026-0457"


@pytest.mark.parametrize(
    "work,update,code,field",
    [
        ("meter_verification", {"verified_on": dt.date(2026, 12, 8)}, "verified_in_future", "verified_on"),
        (
            "meter_verification",
            {"verified_on": dt.date(2026, 12, 1), "verification_due": dt.date(2026, 12, 1)},
            "due_before_verified",
            "verification_due",
        ),
        ("meter_verification", {"seal_number": "S" * 41}, "too_long", "seal_number"),
        ("meter_sealing", {"seal_number": " "}, "empty", "seal_number"),
        (
            "meter_replacement",
            {"new_serial": "CW-9001", "verified_on": dt.date(2026, 12, 8)},
            "installed_in_future",
            "verified_on",
        ),
        (
            "meter_replacement",
            {"new_serial": "CW-9001", "verified_on": dt.date(2026, 12, 1), "verification_due": dt.date(2026, 1, 1)},
            "due_before_verified",
            "verification_due",
        ),
    ],
)
@time_machine.travel(dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC))
def test_it_refuses_meter_work_it_cannot_store_and_changes_nothing(personas, work, update, code, field):
    meter = personas.alice_cold
    req = request_file(
        user=personas.alice,
        account=personas.alice_account,
        category=category(work),
        meter=meter,
        description="Meter work",
        phone="20000000",
    )
    for status in (RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS):
        request_set_status(request=req, status=status, actor=personas.carol)

    with pytest.raises(ApplicationError) as exc:
        request_set_status(
            request=req, status=RequestStatus.DONE, actor=personas.carol, meter_update=MeterUpdate(**update)
        )

    assert (exc.value.code, exc.value.field) == (code, field)
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.IN_PROGRESS
    assert Meter.objects.get(pk=meter.pk).verified_on == dt.date(2022, 3, 1)
    assert Meter.objects.count() == 3 and not Event.objects.filter(kind__startswith="meter.").exists()


def test_it_replaces_a_meter_and_refuses_a_serial_in_use(personas):
    req = request_file(
        user=personas.alice,
        account=personas.alice_account,
        category=category("meter_replacement"),
        meter=personas.alice_cold,
        description="Broken meter",
        phone="20000000",
    )
    request_set_status(request=req, status=RequestStatus.ACCEPTED, actor=personas.carol)
    request_set_status(request=req, status=RequestStatus.IN_PROGRESS, actor=personas.carol)
    with pytest.raises(ApplicationError) as exc:
        request_set_status(
            request=req,
            status=RequestStatus.DONE,
            actor=personas.carol,
            meter_update=MeterUpdate(new_serial="CW-2001", initial_reading=Decimal("0")),
        )
    assert exc.value.code == "serial_taken"
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.IN_PROGRESS
    request_set_status(
        request=req,
        status=RequestStatus.DONE,
        actor=personas.carol,
        meter_update=MeterUpdate(new_serial="CW-9001", initial_reading=Decimal("1.5"), final_reading=Decimal("321")),
    )
    old = Meter.objects.get(pk=personas.alice_cold.pk)
    new = Meter.objects.get(serial_number="CW-9001")
    assert old.status == MeterStatus.REPLACED and old.replaced_by == new and old.final_reading == Decimal("321")
    assert new.status == MeterStatus.ACTIVE and new.initial_reading == Decimal("1.5")
    assert new.premises_id == old.premises_id


def test_it_refuses_a_request_on_another_customers_premises(personas):
    with pytest.raises(ApplicationError) as exc:
        file_leak(personas, account=personas.bob_account)
    assert exc.value.code == "not_your_account"
    with pytest.raises(ApplicationError) as exc:
        request_file(
            user=personas.alice,
            account=personas.alice_account,
            category=category("meter_verification"),
            meter=personas.bob_cold,
            description="x",
            phone="20000000",
        )
    assert exc.value.code == "bad_meter"
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize(
    "description,phone,code",
    [
        ("   ", "20000000", "empty"),
        ("x" * 4001, "20000000", "too_long"),
        ("ok", "", "empty"),
        ("ok", "<script>", "bad_phone"),
    ],
)
def test_it_refuses_bad_text(personas, description, phone, code):
    with pytest.raises(ApplicationError) as exc:
        file_leak(personas, description=description, phone=phone)
    assert exc.value.code == code
    assert ServiceRequest.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_it_refuses_fake_oversized_and_too_many_photos_and_saves_nothing(personas, private_media):
    script = SimpleUploadedFile("photo.jpg", b"#!/bin/sh\nrm -rf /\n", content_type="image/jpeg")
    with pytest.raises(ApplicationError) as exc:
        file_leak(personas, photos=[SimpleUploadedFile("ok.png", png_bytes()), script])
    assert exc.value.code == "not_an_image" and "photo.jpg" in exc.value.message

    big = SimpleUploadedFile("big.jpg", jpeg_bytes() + b"\0" * (10 * 1024 * 1024), content_type="image/jpeg")
    with pytest.raises(ApplicationError) as exc:
        file_leak(personas, photos=[big])
    assert exc.value.code == "photo_too_big"

    six = [SimpleUploadedFile(f"{i}.jpg", jpeg_bytes()) for i in range(6)]
    with pytest.raises(ApplicationError) as exc:
        file_leak(personas, photos=six)
    assert exc.value.code == "too_many_photos"

    assert ServiceRequest.objects.count() == 0 and Photo.objects.count() == 0
    assert not private_media.exists() or not any(p.is_file() for p in private_media.rglob("*"))


def test_it_accepts_heic_by_content_and_stores_it_outside_the_web_root(personas, private_media, settings):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 64
    req = file_leak(
        personas, photos=[SimpleUploadedFile("IMG_0001.HEIC", heic), SimpleUploadedFile("a.jpg", jpeg_bytes())]
    )
    photos = list(req.photos.all())
    assert [p.content_type for p in photos] == ["image/heic", "image/jpeg"]
    for photo in photos:
        path = private_media / photo.file.name
        assert path.is_file()
        assert str(settings.STATIC_ROOT) not in str(path) and str(settings.MEDIA_ROOT) not in str(path)
        assert "IMG_0001" not in photo.file.name  # our name, not the uploader's


def test_it_sweeps_photo_files_without_a_row(personas, private_media):
    req = file_leak(personas, photos=[SimpleUploadedFile("a.png", png_bytes())])
    orphan = private_media / "servicedesk" / str(req.pk) / "orphan.png"
    orphan.write_bytes(png_bytes())
    # A fresh file may belong to an upload whose row has not committed yet: kept an hour.
    assert photos_sweep_orphans() == 0 and orphan.exists()
    hour_ago = time.time() - 3601
    os.utime(orphan, (hour_ago, hour_ago))
    assert photos_sweep_orphans() == 1
    assert not orphan.exists() and (private_media / req.photos.get().file.name).exists()


def test_it_does_not_mail_a_customer_who_turned_request_mail_off(personas):
    MailPreference.objects.create(user=personas.alice, kind=MailKind.REQUEST, enabled=False)
    req = file_leak(personas)
    request_set_status(request=req, status=RequestStatus.ACCEPTED, actor=personas.carol)
    assert OutboxMessage.objects.count() == 0
    assert StatusChange.objects.filter(request=req).count() == 2


def test_it_mails_public_staff_comments_only(personas):
    req = file_leak(personas)
    request_comment_add(request=req, author=personas.carol, text="Internal: send Jānis", internal=True)
    request_comment_add(request=req, author=personas.carol, text="We will come tomorrow", internal=False)
    request_comment_add(request=req, author=personas.alice, text="Thanks", internal=True)  # customers cannot hide
    bodies = [m.body_text for m in mails()]
    assert any("We will come tomorrow" in b for b in bodies)
    assert not any("send Jānis" in b for b in bodies)
    assert list(req.comments.values_list("internal", flat=True)) == [True, False, False]


def test_it_writes_mail_in_the_customers_language(personas):
    personas.alice.language = "ru"
    personas.alice.save()
    file_leak(personas)
    assert mails()[0].language == "ru"
