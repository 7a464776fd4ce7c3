"""Writes for service requests. Every status change goes through request_set_status()."""

import datetime as dt
import secrets
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.customers.models import AccessRole, Account, AccountAccess
from kabinet.customers.selectors import user_wants_mail
from kabinet.lib.uploads import EXTENSIONS, SNIFF_BYTES, sniff_image
from kabinet.meters.models import Meter, MeterStatus
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue
from kabinet.notifications.unsubscribe import unsubscribe_url
from kabinet.servicedesk.models import (
    MAX_COMMENT,
    MAX_DESCRIPTION,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    REOPEN_DAYS,
    TRANSITIONS,
    Category,
    Comment,
    MeterWork,
    Photo,
    RequestStatus,
    ServiceRequest,
    StatusChange,
)
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record
from kabinet.utility.translated import translated_values

MAX_PHONE = 30
MAX_PREFERRED_TIME = 200


# --- validation helpers ---------------------------------------------------------------
def _clean_text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError("empty", _("This field is required."), field=field)
    if len(value) > limit:
        raise ApplicationError(
            "too_long",
            _("Too long: at most %(limit)d characters, you wrote %(count)d.") % {"limit": limit, "count": len(value)},
            field=field,
        )
    return value


def _clean_phone(value: str) -> str:
    value = _clean_text(value, field="phone", limit=MAX_PHONE)
    allowed = set("0123456789+-() ")
    if not set(value) <= allowed or sum(ch.isdigit() for ch in value) < 5:
        raise ApplicationError("bad_phone", _("Enter a phone number: digits, spaces, + - ( )."), field="phone")
    return value


@dataclass(frozen=True)
class CheckedPhoto:
    upload: object
    content_type: str
    size: int
    name: str


def photos_check(uploads) -> list[CheckedPhoto]:
    """Refuse more than MAX_PHOTOS, files over MAX_PHOTO_BYTES, and anything that is not
    a JPEG, PNG or HEIC picture by its content (a script renamed .jpg is refused)."""
    uploads = [u for u in uploads if u]
    if len(uploads) > MAX_PHOTOS:
        raise ApplicationError(
            "too_many_photos", _("Attach at most %(count)d photos.") % {"count": MAX_PHOTOS}, field="photos"
        )
    checked = []
    for upload in uploads:
        name = (getattr(upload, "name", "") or "")[:200]
        if upload.size > MAX_PHOTO_BYTES:
            raise ApplicationError(
                "photo_too_big",
                _("“%(name)s” is larger than %(mb)d MB.") % {"name": name, "mb": MAX_PHOTO_BYTES // (1024 * 1024)},
                field="photos",
            )
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
        content_type = sniff_image(head)
        if content_type is None:
            raise ApplicationError(
                "not_an_image",
                _("“%(name)s” is not a JPEG, PNG or HEIC photo.") % {"name": name},
                field="photos",
            )
        checked.append(CheckedPhoto(upload=upload, content_type=content_type, size=upload.size, name=name))
    return checked


def _photos_save(request: ServiceRequest, checked: list[CheckedPhoto]) -> None:
    saved: list[Photo] = []
    try:
        for item in checked:
            photo = Photo(
                request=request,
                token=secrets.token_hex(16),
                content_type=item.content_type,
                size=item.size,
                original_name=item.name,
            )
            photo.file.save(f"x.{EXTENSIONS[item.content_type]}", item.upload, save=False)
            saved.append(photo)
            photo.save()
    except Exception:
        for photo in saved:  # the transaction rolls back the rows; remove the files too
            photo.file.delete(save=False)
        raise


def photos_sweep_orphans(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Delete photo files that have no Photo row (left by a rolled-back request).

    Only files older than `older_than`: the sweep runs on a schedule beside live uploads,
    and a file is written before its row commits."""
    from kabinet.utility.storage import private_storage

    storage = private_storage()
    cutoff = timezone.now() - older_than
    known = set(Photo.objects.values_list("file", flat=True))
    removed = 0
    try:
        folders, _files = storage.listdir("servicedesk")
    except FileNotFoundError:
        return 0
    for folder in folders:
        _dirs, files = storage.listdir(f"servicedesk/{folder}")
        for name in files:
            path = f"servicedesk/{folder}/{name}"
            if path not in known and storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                removed += 1
    return removed


def user_can_use_account(user, account: Account) -> bool:
    return AccountAccess.objects.filter(user=user, account=account, account__closed_on__isnull=True).exists()


# --- e-mail ---------------------------------------------------------------------------
def _mail_recipient(req: ServiceRequest):
    """Who hears about the request: the customer who filed it, or, when staff filed it on
    the customer's behalf (a phone call), the account holder's login if there is one."""
    user = req.created_by
    if user is not None and not user.is_staff:
        return user
    access = (
        AccountAccess.objects.filter(
            account_id=req.account_id, role=AccessRole.HOLDER, user__is_active=True, user__is_staff=False
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return access.user if access else None


def _notify(req: ServiceRequest, template: str, *, dedupe_key: str, extra: dict | None = None) -> None:
    user = _mail_recipient(req)
    if user is None or not user.email or not user_wants_mail(user, MailKind.REQUEST):
        return
    customer = req.account.customer
    message_enqueue(
        to=user.email,
        template=template,
        context={
            "req": req,
            "customer": customer,
            "utility": UtilityProfile.get(),
            "unsubscribe_url": unsubscribe_url(user=user, kind=MailKind.REQUEST),
            **(extra or {}),
        },
        kind=MailKind.REQUEST,
        language=user.language or customer.language or "lv",
        user=user,
        customer_id=customer.pk,
        dedupe_key=dedupe_key,
    )


# --- filing ---------------------------------------------------------------------------
@transaction.atomic
def request_file(
    *,
    user,
    account: Account,
    category: Category,
    description: str,
    phone: str,
    preferred_time: str = "",
    meter: Meter | None = None,
    photos=(),
    submit_key: str | None = None,
    on_behalf: bool = False,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """A customer files a request for one of their accounts' premises, or staff file it
    for the customer (`on_behalf`: the office's page, a phone call; the caller checked the
    staff member's permission). A repeated submit_key (double click, resent form) returns
    the request already filed."""
    now = now or timezone.now()
    if submit_key:
        existing = ServiceRequest.objects.filter(submit_key=submit_key, created_by=user).first()
        if existing:
            return existing
    if on_behalf:
        if not user.is_staff or account.closed_on is not None:
            raise ApplicationError("not_your_account", _("You cannot file a request for these premises."))
    elif not user_can_use_account(user, account):
        raise ApplicationError("not_your_account", _("You cannot file a request for these premises."), field="account")
    if not category.active:
        raise ApplicationError("bad_category", _("Choose a category."), field="category")
    description = _clean_text(description, field="description", limit=MAX_DESCRIPTION)
    phone = _clean_phone(phone)
    preferred_time = _clean_text(preferred_time, field="preferred_time", limit=MAX_PREFERRED_TIME, required=False)
    if category.needs_meter:
        if meter is None:
            raise ApplicationError("meter_required", _("Choose the meter."), field="meter")
        if meter.premises_id != account.premises_id or meter.status != MeterStatus.ACTIVE:
            raise ApplicationError("bad_meter", _("This meter is not at the chosen premises."), field="meter")
    else:
        meter = None
    checked = photos_check(photos)
    req = ServiceRequest.objects.create(
        account=account,
        premises_id=account.premises_id,
        category=category,
        meter=meter,
        description=description,
        phone=phone,
        preferred_time=preferred_time,
        status=RequestStatus.NEW,
        created=now,
        due_at=now + dt.timedelta(hours=category.deadline_hours),
        created_by=user,
        submit_key=submit_key or None,
    )
    _photos_save(req, checked)
    StatusChange.objects.create(request=req, created=now, from_status="", to_status=RequestStatus.NEW, actor=user)
    event_record(kind="servicerequest.filed", actor=user, obj=req, data={"category": category.code})
    _notify(req, "servicedesk_filed", dedupe_key=f"servicerequest:{req.pk}:filed")
    return req


# --- the pipeline ---------------------------------------------------------------------
@dataclass(frozen=True)
class MeterUpdate:
    """What staff enter when closing a meter request."""

    verified_on: dt.date | None = None
    verification_due: dt.date | None = None
    new_serial: str = ""
    initial_reading: Decimal | None = None
    seal_number: str = ""
    final_reading: Decimal | None = None


@transaction.atomic
def request_set_status(
    *,
    request: ServiceRequest,
    status: str,
    actor,
    note: str = "",
    scheduled_for: dt.datetime | None = None,
    reason: str = "",
    meter_update: MeterUpdate | None = None,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """Move a request along the pipeline, or refuse with ApplicationError and change nothing."""
    now = now or timezone.now()
    req = ServiceRequest.objects.select_for_update(of=("self",)).select_related("category", "meter").get(pk=request.pk)
    old = req.status
    if status not in RequestStatus.values or status not in TRANSITIONS[old]:
        raise ApplicationError(
            "status_not_allowed",
            _("A request that is “%(old)s” cannot become “%(new)s”.")
            % {
                "old": RequestStatus(old).label,
                "new": RequestStatus(status).label if status in RequestStatus.values else status,
            },
            field="status",
        )
    note = _clean_text(note, field="note", limit=MAX_COMMENT, required=False)
    if status == RequestStatus.SCHEDULED:
        if scheduled_for is None:
            raise ApplicationError(
                "scheduled_for_required", _("Give the date and time of the visit."), field="scheduled_for"
            )
        if scheduled_for < now - dt.timedelta(hours=1):
            raise ApplicationError("scheduled_in_past", _("The visit cannot be in the past."), field="scheduled_for")
        req.scheduled_for = scheduled_for
    if status == RequestStatus.REJECTED:
        req.reject_reason = _clean_text(reason, field="reason", limit=MAX_COMMENT)
        req.closed_at = now
    if status == RequestStatus.DONE:
        if req.category.meter_work:
            if meter_update is None:
                raise ApplicationError(
                    "meter_update_required", _("Enter the meter's new details to close this request."), field="meter"
                )
            meter_work_apply(meter=req.meter, work=req.category.meter_work, update=meter_update, actor=actor, now=now)
        req.closed_at = now
    if status == RequestStatus.REOPENED:
        if not req.can_reopen(now):
            raise ApplicationError(
                "reopen_too_late",
                _("A request can be reopened within %(days)d days after it was done.") % {"days": REOPEN_DAYS},
            )
        note = _clean_text(note, field="note", limit=MAX_COMMENT)
        req.reopen_count += 1
        req.closed_at = None
        req.rating = None
        req.rating_comment = ""
        req.due_at = now + dt.timedelta(hours=req.category.deadline_hours)
    req.status = status
    req.save()
    StatusChange.objects.create(request=req, created=now, from_status=old, to_status=status, actor=actor, note=note)
    event_record(
        kind="servicerequest.status",
        actor=actor,
        obj=req,
        message=note,
        data={"from": old, "to": status},
    )
    changes = req.status_changes.count()
    _notify(
        req,
        "servicedesk_status",
        dedupe_key=f"servicerequest:{req.pk}:status:{changes}",
        extra={"old_status": RequestStatus(old).label, "note": note},
    )
    return req


def request_reopen(*, request: ServiceRequest, actor, reason: str, now: dt.datetime | None = None) -> ServiceRequest:
    """The customer is not satisfied with the work (within REOPEN_DAYS of its completion)."""
    return request_set_status(request=request, status=RequestStatus.REOPENED, actor=actor, note=reason, now=now)


@transaction.atomic
def request_rate(*, request: ServiceRequest, actor, rating: int, comment: str = "") -> ServiceRequest:
    req = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if req.status != RequestStatus.DONE:
        raise ApplicationError("not_done", _("Only finished work can be rated."))
    if req.rating is not None:
        raise ApplicationError("already_rated", _("You have already rated this work."))
    if rating not in (1, 2, 3, 4, 5):
        raise ApplicationError("bad_rating", _("Choose from 1 to 5 stars."), field="rating")
    req.rating = rating
    req.rating_comment = _clean_text(comment, field="comment", limit=2000, required=False)
    req.save(update_fields=["rating", "rating_comment", "updated"])
    event_record(kind="servicerequest.rated", actor=actor, obj=req, data={"rating": rating})
    return req


@transaction.atomic
def request_assign(*, request: ServiceRequest, technician, actor) -> ServiceRequest:
    if technician is not None and not technician.is_staff:
        raise ApplicationError("not_staff", _("Only staff can be assigned."), field="assigned_to")
    req = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    req.assigned_to = technician
    req.save(update_fields=["assigned_to", "updated"])
    event_record(
        kind="servicerequest.assigned",
        actor=actor,
        obj=req,
        data={"technician": technician.pk if technician else None},
    )
    return req


@transaction.atomic
def request_comment_add(*, request: ServiceRequest, author, text: str, internal: bool = False) -> Comment:
    """A comment on a request. Customers' comments are always visible to the customer; staff
    choose. A staff comment the customer can see is e-mailed to them."""
    text = _clean_text(text, field="text", limit=MAX_COMMENT)
    is_staff = bool(author and author.is_staff)
    comment = Comment.objects.create(request=request, author=author, text=text, internal=internal and is_staff)
    event_record(kind="servicerequest.comment", actor=author, obj=request, data={"internal": comment.internal})
    if is_staff and not comment.internal:
        _notify(
            request,
            "servicedesk_comment",
            dedupe_key=f"servicerequest:{request.pk}:comment:{comment.pk}",
            extra={"comment": comment},
        )
    return comment


# --- meters ---------------------------------------------------------------------------
def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def meter_update_check(*, meter: Meter, work: str, update: MeterUpdate, today: dt.date) -> MeterUpdate:
    """What closing a meter request will store, with the defaults filled in, or
    ApplicationError naming the field at fault. The back office's form calls it to show the
    error beside the field before anything is saved; meter_work_apply() calls it again
    under the meter's lock."""
    seal = _clean_text(update.seal_number, field="seal_number", limit=40, required=work == MeterWork.SEALING)
    if work == MeterWork.SEALING:
        return replace(update, seal_number=seal)
    if work not in (MeterWork.VERIFICATION, MeterWork.REPLACEMENT):
        raise ApplicationError("no_meter_work", _("This category has no meter work."))
    serial = ""
    if work == MeterWork.REPLACEMENT:
        serial = _clean_text(update.new_serial, field="new_serial", limit=40)
    verified_on = update.verified_on or today
    if verified_on > today:
        if work == MeterWork.REPLACEMENT:
            raise ApplicationError(
                "installed_in_future", _("The installation date cannot be in the future."), field="verified_on"
            )
        raise ApplicationError(
            "verified_in_future", _("The verification date cannot be in the future."), field="verified_on"
        )
    due = update.verification_due or add_years(verified_on, meter.service.verification_interval_years)
    if due <= verified_on:
        raise ApplicationError(
            "due_before_verified", _("The next verification must be after this one."), field="verification_due"
        )
    checked = replace(update, verified_on=verified_on, verification_due=due, seal_number=seal, new_serial=serial)
    if work == MeterWork.VERIFICATION:
        return checked
    initial = update.initial_reading if update.initial_reading is not None else Decimal("0")
    if initial < 0:
        raise ApplicationError(
            "negative_reading", _("The initial reading cannot be negative."), field="initial_reading"
        )
    if Meter.objects.filter(serial_number=serial, status=MeterStatus.ACTIVE).exclude(pk=meter.pk).exists():
        raise ApplicationError(
            "serial_taken", _("An active meter with this serial number already exists."), field="new_serial"
        )
    return replace(checked, initial_reading=initial)


@transaction.atomic
def meter_work_apply(*, meter: Meter, work: str, update: MeterUpdate, actor, now: dt.datetime | None = None) -> Meter:
    """Update a meter after verification, sealing or replacement (kabinet.meters has no
    such service yet; this is the one door for it until it does)."""
    today = timezone.localdate(now) if now else timezone.localdate()
    meter = Meter.objects.select_for_update(of=("self",)).select_related("service").get(pk=meter.pk)
    update = meter_update_check(meter=meter, work=work, update=update, today=today)
    if work == MeterWork.VERIFICATION:
        meter.verified_on, meter.verification_due = update.verified_on, update.verification_due
        fields = ["verified_on", "verification_due"]
        data = {"verified_on": str(update.verified_on), "due": str(update.verification_due)}
        if update.seal_number:
            # The verifier breaks the old seal and puts on a new one: its number is the meter's now.
            meter.seal_number = data["seal"] = update.seal_number
            fields.append("seal_number")
        meter.save(update_fields=fields)
        event_record(kind="meter.verified", actor=actor, obj=meter, data=data)
        return meter
    if work == MeterWork.SEALING:
        meter.seal_number = update.seal_number
        meter.save(update_fields=["seal_number"])
        event_record(kind="meter.sealed", actor=actor, obj=meter, data={"seal": update.seal_number})
        return meter
    # Replacement: the old meter is removed on the day the new one is installed.
    meter.status = MeterStatus.REPLACED
    meter.removed_on = update.verified_on
    meter.final_reading = update.final_reading
    meter.save(update_fields=["status", "removed_on", "final_reading"])
    new = Meter.objects.create(
        premises_id=meter.premises_id,
        service=meter.service,
        serial_number=update.new_serial,
        **translated_values(meter, "location"),
        digits_before_point=meter.digits_before_point,
        digits_after_point=meter.digits_after_point,
        installed_on=update.verified_on,
        initial_reading=update.initial_reading,
        verified_on=update.verified_on,
        verification_due=update.verification_due,
        seal_number=update.seal_number,
    )
    meter.replaced_by = new
    meter.save(update_fields=["replaced_by"])
    event_record(kind="meter.replaced", actor=actor, obj=meter, data={"new_meter": new.pk, "serial": new.serial_number})
    return new
