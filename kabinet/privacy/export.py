"""What a data export holds: every section of the personal data Kabinet keeps about one
login, read here (selectors) and written as a ZIP by services.data_export_build.

The ZIP has, per section, `<section>.json` and `<section>.csv` with the same rows, the
invoice PDFs (`invoices/<number>.pdf`) and the service requests' photos
(`photos/<request>-<n>.<ext>`), and `index.json` naming the sections.

Which accounts: those the login has (or had) access to. Invoices and payments only of
the accounts whose access shows them (AccessRole); readings only of the periods the
account was open, so a previous occupant's readings of the same meter are not included.
Secrets are never copied: password and token hashes, the outbox's live links.
"""

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from kabinet.billing.models import Invoice, InvoiceStatus
from kabinet.billing.receipts import receipt_pdf
from kabinet.customers.models import AccountAccess, ApiToken, MailPreference, User
from kabinet.identity.models import ExternalIdentity
from kabinet.meters.models import Meter, Reading, ReadingPhoto
from kabinet.notifications.models import OutboxMessage
from kabinet.payments.models import Payment
from kabinet.privacy.models import ConsentRecord, CorrectionRequest, ErasureRequest
from kabinet.privacy.rules import rows_csv
from kabinet.reception.models import Message, Reply
from kabinet.servicedesk.models import Comment, Photo, ServiceRequest
from kabinet.utility.models import Event

# Never exported: they open the login, not describe it.
SECRET_FIELDS = {"password", "token_hash", "secret_values", "password_stamp", "token", "submit_key", "prefix"}

SECTIONS = (
    "login",
    "accounts",
    "meters",
    "readings",
    "meter_photos",
    "invoices",
    "payments",
    "requests",
    "request_comments",
    "messages",
    "emails",
    "events",
    "consents",
    "privacy_requests",
)


def row(obj: models.Model, *, exclude: tuple[str, ...] = (), **extra) -> dict:
    """The object's fields (foreign keys as ids), each choice with its label beside it."""
    out: dict = {}
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS or field.name in exclude:
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        out[field.attname if field.is_relation else field.name] = _plain(value)
        if field.choices and value not in (None, ""):
            out[f"{field.name}_label"] = str(getattr(obj, f"get_{field.name}_display")())
    out.update({key: _plain(value) for key, value in extra.items()})
    return out


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


@dataclass
class ExportData:
    sections: dict[str, list[dict]]
    invoices: list[Invoice]  # their PDFs go into the ZIP
    photos: list[Photo]
    meter_photos: list[ReadingPhoto] = dataclass_field(default_factory=list)  # the login's own photos of meters


def _accesses(user: User) -> list[AccountAccess]:
    return list(
        AccountAccess.objects.filter(user=user).select_related("account__premises__building", "account__customer")
    )


def _open_periods(accesses: list[AccountAccess]) -> Q:
    """Readings of the accounts' premises while each account was open."""
    condition = Q(pk__in=[])
    for access in accesses:
        account = access.account
        part = Q(meter__premises_id=account.premises_id, period__gte=account.opened_on.replace(day=1))
        if account.closed_on:
            part &= Q(period__lte=account.closed_on)
        condition |= part
    return condition


def export_collect(user: User) -> ExportData:
    accesses = _accesses(user)
    account_ids = [a.account_id for a in accesses]
    billed_ids = [a.account_id for a in accesses if a.can_see_invoices]
    held_ids = {a.account_id for a in accesses if a.can_manage}
    premises_ids = [a.account.premises_id for a in accesses]

    login = [
        row(
            user,
            exclude=("is_superuser", "is_staff"),
            mail_preferences={p.kind: p.enabled for p in MailPreference.objects.filter(user=user)},
            api_tokens=[row(t, exclude=("user",)) for t in ApiToken.objects.filter(user=user)],
            # Bank or ID providers linked for sign-in (issuer and subject, kabinet/identity).
            external_identities=[row(i, exclude=("user",)) for i in ExternalIdentity.objects.filter(user=user)],
        )
    ]
    accounts = []
    for access in accesses:
        account, premises, customer = access.account, access.account.premises, access.account.customer
        accounts.append(
            row(
                account,
                access_role=access.role,
                access_granted=access.created,
                premises=row(premises, address=premises.address),
                # The holder's card (personal code, contacts) is the holder's own data:
                # a household member invited with fewer rights gets its name only.
                customer=row(customer, display_name=customer.display_name)
                if access.can_manage or customer.pk == user.customer_id
                else {"id": customer.pk, "display_name": customer.display_name},
            )
        )
    meters = [
        row(m, service_name=m.service.name, address=m.premises.address)
        for m in Meter.objects.filter(premises_id__in=premises_ids).select_related("service", "premises__building")
    ]
    readings = [
        row(r, meter_serial=r.meter.serial_number, exclude=("batch",))
        for r in Reading.objects.filter(_open_periods(accesses))
        .select_related("meter")
        .order_by("meter_id", "period", "id")
    ]
    meter_photos = list(ReadingPhoto.objects.filter(uploaded_by=user).order_by("id"))
    invoices = list(
        Invoice.objects.filter(account_id__in=billed_ids, status=InvoiceStatus.ISSUED)
        .select_related("account")
        .order_by("account_id", "period")
    )
    payments = Payment.objects.filter(account_id__in=billed_ids).order_by("account_id", "paid_on", "id")
    requests = list(
        ServiceRequest.objects.filter(Q(account_id__in=account_ids) | Q(created_by=user))
        .select_related("category")
        .order_by("created", "id")
        .distinct()
    )
    request_ids = [r.pk for r in requests]
    photos = list(Photo.objects.filter(request_id__in=request_ids).order_by("request_id", "id"))
    comments = Comment.objects.filter(request_id__in=request_ids, internal=False).order_by("request_id", "created")
    messages = list(Message.objects.filter(user=user).order_by("created", "id"))
    replies: dict[int, list[dict]] = {}
    for reply in Reply.objects.filter(message__in=messages).order_by("created", "id"):
        replies.setdefault(reply.message_id, []).append(row(reply, exclude=("message",)))
    sent = Q(user=user) | (Q(to__iexact=user.email) if user.email else Q(pk__in=[]))
    if user.phone:
        sent |= Q(to=user.phone)
    events = Event.objects.filter(
        Q(actor=user) | Q(object_type=User._meta.label_lower, object_id=str(user.pk))
    ).order_by("created", "id")

    sections = {
        "login": login,
        "accounts": accounts,
        "meters": meters,
        "readings": readings,
        "meter_photos": [
            row(p, exclude=("file", "sha256", "uploaded_by"), photo=_meter_photo_name(p)) for p in meter_photos
        ],
        "invoices": [
            row(i, exclude=("run", "year", "seq", "has_estimates"), pdf=f"invoices/{_pdf_name(i)}") for i in invoices
        ],
        "payments": [
            row(
                p,
                exclude=("statement", "parent", "ledger_entry", "reversal_entry", "actor", "match_reason")
                + (() if p.account_id in held_ids else ("payer_name", "payer_iban", "end_to_end_id")),
            )
            for p in payments
        ],
        "requests": [
            row(
                r,
                exclude=("assigned_to",),
                category_name=r.category.name,
                photos=[_photo_name(p, n) for n, p in enumerate([p for p in photos if p.request_id == r.pk], 1)],
            )
            for r in requests
        ],
        "request_comments": [row(c, exclude=("internal", "author"), by_me=c.author_id == user.pk) for c in comments],
        "messages": [row(m, exclude=("assigned_to",), replies=replies.get(m.pk, [])) for m in messages],
        "emails": [
            row(m, exclude=("user", "template", "context", "headers", "dedupe_key", "next_attempt_at", "last_error"))
            for m in OutboxMessage.objects.filter(sent).order_by("created", "id")
        ],
        "events": [row(e, exclude=("actor",)) for e in events],
        "consents": [row(c, exclude=("user",)) for c in ConsentRecord.objects.filter(user=user).order_by("created")],
        "privacy_requests": [
            row(c, exclude=("user", "decided_by"), request="correction")
            for c in CorrectionRequest.objects.filter(user=user)
        ]
        + [
            row(e, exclude=("user", "decided_by", "report"), request="erasure")
            for e in ErasureRequest.objects.filter(user=user)
        ],
    }
    return ExportData(sections=sections, invoices=invoices, photos=photos, meter_photos=meter_photos)


def _pdf_name(invoice: Invoice) -> str:
    return f"{invoice.number or invoice.pk}.pdf"


def _photo_name(photo: Photo, n: int) -> str:
    ext = photo.file.name.rsplit(".", 1)[-1] if "." in photo.file.name else "bin"
    return f"photos/{photo.request_id}-{n}.{ext}"


def _meter_photo_name(photo: ReadingPhoto) -> str:
    return f"meter-photos/{photo.meter_id}-{photo.pk}.jpg"


def _csv_value(value):
    return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder) if isinstance(value, dict | list) else value


def export_zip(data: ExportData, *, pdf: Callable[[Invoice], bytes] = receipt_pdf) -> bytes:
    """The ZIP of `data`: JSON and CSV per section, the invoice PDFs and the photos."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        index = {"sections": {}, "generated": dt.datetime.now(dt.UTC).isoformat()}
        for name in SECTIONS:
            rows = data.sections[name]
            archive.writestr(f"{name}.json", json.dumps(rows, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder))
            archive.writestr(f"{name}.csv", rows_csv([{k: _csv_value(v) for k, v in r.items()} for r in rows]))
            index["sections"][name] = len(rows)
        for invoice in data.invoices:
            archive.writestr(f"invoices/{_pdf_name(invoice)}", pdf(invoice))
        by_request: dict[int, int] = {}
        for photo in data.photos:
            by_request[photo.request_id] = by_request.get(photo.request_id, 0) + 1
            try:
                with photo.file.open("rb") as handle:
                    archive.writestr(_photo_name(photo, by_request[photo.request_id]), handle.read())
            except FileNotFoundError:
                index.setdefault("missing_photos", []).append(_photo_name(photo, by_request[photo.request_id]))
        for photo in data.meter_photos:
            try:
                with photo.file.open("rb") as handle:
                    archive.writestr(_meter_photo_name(photo), handle.read())
            except FileNotFoundError:
                index.setdefault("missing_photos", []).append(_meter_photo_name(photo))
        archive.writestr("index.json", json.dumps(index, ensure_ascii=False, indent=2))
    return buffer.getvalue()
