"""Privacy requests: the data export, corrections, the erasure, consent to optional mail."""

import datetime as dt
import logging
import secrets

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.customers.models import Account, AccountAccess, Customer, User
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue
from kabinet.privacy.erasure import login_erase
from kabinet.privacy.export import export_collect, export_zip
from kabinet.privacy.models import (
    TRANSITIONS,
    ConsentRecord,
    ConsentSource,
    CorrectionField,
    CorrectionRequest,
    DataExport,
    ErasureRequest,
    ExportStatus,
    RequestStatus,
)
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record

log = logging.getLogger(__name__)

# The workers' task, by name: a task imports its service, never the reverse.
EXPORT_BUILD_TASK = "kabinet.privacy.tasks.data_export_build_task"


# --- the data export ------------------------------------------------------------------------


@transaction.atomic
def data_export_request(*, user: User, actor=None) -> DataExport:
    """Queue a new export of `user`'s data; one at a time. The build runs in the
    background (inline in the embedded demo) and mails the link when it is ready."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time per login
    if DataExport.objects.filter(user=user, status=ExportStatus.PENDING).exists():
        raise ApplicationError("export_pending", _("Your data is already being prepared."))
    for old in DataExport.objects.filter(user=user):
        _export_delete(old)  # a new copy replaces the old one
    export = DataExport.objects.create(user=user, token=secrets.token_urlsafe(32))
    event_record(kind="privacy.export_requested", actor=actor or user, obj=export)
    transaction.on_commit(lambda: _schedule_build(export.pk))
    return export


def _schedule_build(export_id: int) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        data_export_build(export_id=export_id)  # the demo and the tests: right here
        return
    current_app.send_task(EXPORT_BUILD_TASK, args=[export_id])


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build the ZIP, store it privately and mail the login the link. Re-running it for a
    finished export does nothing."""
    export = DataExport.objects.select_related("user").filter(pk=export_id, status=ExportStatus.PENDING).first()
    if export is None:
        return None
    user = export.user
    language = _language(user)
    try:
        with _language_active(language):
            content = export_zip(export_collect(user))
    except Exception:
        log.exception("data export %s failed", export_id)
        # The customer sees "failed" and may ask again; the request that queued it is done.
        DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
        return None
    with transaction.atomic():
        export = DataExport.objects.select_for_update().get(pk=export.pk)
        if export.status != ExportStatus.PENDING:
            return export
        export.file.save(f"{export.token}.zip", ContentFile(content), save=False)
        now = timezone.now()
        export.size = len(content)
        export.status = ExportStatus.READY
        export.ready_at = now
        export.expires_at = now + dt.timedelta(days=7)
        export.save(update_fields=["file", "size", "status", "ready_at", "expires_at"])
        event_record(kind="privacy.export_ready", actor=None, obj=export, data={"size": export.size})
        message_enqueue(
            to=user.email,
            template="privacy_export_ready",
            context={
                "utility": UtilityProfile.get(),
                "user": user,
                "token": export.token,
                "expires": export.expires_at,
            },
            kind=MailKind.ACCOUNT,
            language=language,
            user=user,
            customer_id=user.customer_id,
            secrets=[export.token],  # the link never lies in the outbox's text
        )
    return export


def _language(user: User) -> str:
    codes = UtilityProfile.get().language_codes or ["lv"]
    return user.language if user.language in codes else codes[0]


def _language_active(language: str):
    from django.utils import translation

    return translation.override(language)


def data_export_for_download(*, user: User, token: str, now: dt.datetime | None = None) -> DataExport | None:
    """The export behind a link, only for its own login and only while it is valid."""
    export = DataExport.objects.filter(user=user, token=token).first()
    if export is None or not export.downloadable(now):
        return None
    return export


def _export_delete(export: DataExport) -> None:
    if export.file:
        export.file.delete(save=False)
    export.delete()


def data_exports_purge(*, now: dt.datetime | None = None) -> int:
    """Delete expired exports and their files (the periodic job; safe to re-run)."""
    now = now or timezone.now()
    expired = list(DataExport.objects.filter(expires_at__lte=now))
    for export in expired:
        _export_delete(export)
    return len(expired)


# --- corrections ----------------------------------------------------------------------------

# field -> (model, attribute): what approving a correction writes. "other" is done by hand.
CORRECTABLE = {
    CorrectionField.LOGIN_FIRST_NAME: (User, "first_name"),
    CorrectionField.LOGIN_LAST_NAME: (User, "last_name"),
    CorrectionField.LOGIN_PHONE: (User, "phone"),
    CorrectionField.CUSTOMER_FIRST_NAME: (Customer, "first_name"),
    CorrectionField.CUSTOMER_LAST_NAME: (Customer, "last_name"),
    CorrectionField.CUSTOMER_PHONE: (Customer, "phone"),
    CorrectionField.CUSTOMER_POSTAL_ADDRESS: (Customer, "postal_address"),
}


def correction_target(*, user: User, field: str, account: Account | None):
    """The object a correction of `field` changes, or None for "other"."""
    target = CORRECTABLE.get(field)
    if target is None:
        return None
    model, _attr = target
    if model is User:
        return user
    return account.customer if account is not None else None


def correction_current_value(*, user: User, field: str, account: Account | None) -> str:
    obj = correction_target(user=user, field=field, account=account)
    return getattr(obj, CORRECTABLE[field][1]) if obj is not None else ""


@transaction.atomic
def correction_request_create(
    *, user: User, field: str, new_value: str, account: Account | None = None, comment: str = ""
) -> CorrectionRequest:
    if field not in CorrectionField.values:
        raise ApplicationError("unknown_field", _("Choose what to correct."), field="field")
    new_value = (new_value or "").strip()
    if not new_value:
        raise ApplicationError("empty", _("Write the correct value."), field="new_value")
    if account is not None and not AccountAccess.objects.filter(user=user, account=account).exists():
        raise ApplicationError("not_yours", _("Choose one of your accounts."), field="account")
    if CORRECTABLE.get(field, (None,))[0] is Customer and account is None:
        raise ApplicationError("account_needed", _("Choose the account this is about."), field="account")
    request = CorrectionRequest.objects.create(
        user=user,
        account=account,
        field=field,
        current_value=correction_current_value(user=user, field=field, account=account)[:300],
        new_value=new_value[:300],
        comment=(comment or "").strip()[:2000],
    )
    event_record(kind="privacy.correction_requested", actor=user, obj=request, data={"field": field})
    return request


def _set_status(obj, status: str, *, actor, answer: str = "") -> None:
    if status not in TRANSITIONS[RequestStatus(obj.status)]:
        raise ApplicationError(
            "status", _("This request is already %(status)s.") % {"status": obj.get_status_display().lower()}
        )
    if status == RequestStatus.REJECTED and not answer.strip():
        raise ApplicationError("answer_needed", _("Write the reason for the refusal."), field="answer")
    before = obj.status
    obj.status = status
    obj.answer = answer.strip() or obj.answer
    if status in (RequestStatus.APPROVED, RequestStatus.REJECTED):
        obj.decided_at = timezone.now()
        obj.decided_by = actor
    obj.save(update_fields=["status", "answer", "decided_at", "decided_by"])
    event_record(
        kind=f"privacy.{obj._meta.model_name}.{status}", actor=actor, obj=obj, data={"from": before, "to": status}
    )


@transaction.atomic
def correction_decide(*, request: CorrectionRequest, approve: bool, actor, answer: str = "") -> CorrectionRequest:
    """Approve (the named field gets the new value) or reject (with the reason)."""
    request = (
        # Only the request's row: PostgreSQL cannot lock the outer-joined account.
        CorrectionRequest.objects.select_for_update(of=("self",))
        .select_related("user", "account__customer")
        .get(pk=request.pk)
    )
    if approve:
        target = correction_target(user=request.user, field=request.field, account=request.account)
        if target is not None:
            attr = CORRECTABLE[request.field][1]
            if attr == "last_name" and isinstance(target, Customer) and target.kind != "person":
                raise ApplicationError("organisation", _("An organisation's name is corrected by hand."))
            setattr(target, attr, request.new_value)
            target.save(update_fields=[attr])
            event_record(
                kind="privacy.corrected",
                actor=actor,
                obj=target,
                data={"field": attr, "request": request.pk},
            )
    _set_status(request, RequestStatus.APPROVED if approve else RequestStatus.REJECTED, actor=actor, answer=answer)
    return request


@transaction.atomic
def correction_withdraw(*, request: CorrectionRequest, user: User) -> CorrectionRequest:
    request = CorrectionRequest.objects.select_for_update().get(pk=request.pk, user=user)
    _set_status(request, RequestStatus.WITHDRAWN, actor=user)
    return request


# --- erasure ---------------------------------------------------------------------------------


@transaction.atomic
def erasure_request_create(*, user: User, password: str) -> ErasureRequest:
    """The customer asks to erase their login, confirming with the password."""
    if user.is_staff:
        raise ApplicationError("staff", _("A staff login is removed by an administrator."))
    if not user.check_password(password or ""):
        raise ApplicationError("password", _("The password is not right."), field="password")
    if ErasureRequest.objects.filter(user=user, status=RequestStatus.PENDING).exists():
        raise ApplicationError("pending", _("Your request is already waiting for a decision."))
    request = ErasureRequest.objects.create(user=user)
    event_record(kind="privacy.erasure_requested", actor=user, obj=request)
    return request


@transaction.atomic
def erasure_withdraw(*, request: ErasureRequest, user: User) -> ErasureRequest:
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk, user=user)
    _set_status(request, RequestStatus.WITHDRAWN, actor=user)
    return request


@transaction.atomic
def erasure_decide(*, request: ErasureRequest, approve: bool, actor, answer: str = "") -> ErasureRequest:
    """Reject with a reason, or approve: the login is erased at once (erasure.login_erase)
    and its accounts' records stay for the retention period."""
    request = ErasureRequest.objects.select_for_update(of=("self",)).select_related("user").get(pk=request.pk)
    if request.user.is_staff:
        raise ApplicationError("staff", _("A staff login is removed by an administrator."))
    if approve and request.status == RequestStatus.PENDING:
        request.report = login_erase(user=request.user)
        request.save(update_fields=["report"])
    _set_status(request, RequestStatus.APPROVED if approve else RequestStatus.REJECTED, actor=actor, answer=answer)
    return request


# --- consent to optional mail ------------------------------------------------------------------


def consents_record(
    *, user: User, before: dict[str, bool], after: dict[str, bool], source: str = ConsentSource.SETTINGS
) -> list[ConsentRecord]:
    """One row per kind whose choice changed, with the time: when was consent given or
    withdrawn (call it in the transaction that stores the choice)."""
    now = timezone.now()
    rows = [
        ConsentRecord(user=user, kind=kind, given=on, source=source, created=now)
        for kind, on in after.items()
        if before.get(kind) != on
    ]
    return ConsentRecord.objects.bulk_create(rows)
