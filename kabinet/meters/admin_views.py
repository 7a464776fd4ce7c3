"""Back-office pages for readings (Django admin custom views): the hotline operator's
page, the file import with preview, the correction of a reading and the accounts that
have not submitted. Each one calls a service; nothing here decides a rule."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kabinet.billing.estimate import charge_estimate
from kabinet.customers.models import Account
from kabinet.lib.periods import add_months
from kabinet.meters.imports import file_checksum, readings_import, readings_import_preview, reason_counts
from kabinet.meters.models import Reading, ReadingPhoto, ReadingSource, ReadingStatus
from kabinet.meters.receipts import receipt_context
from kabinet.meters.review import reading_correct
from kabinet.meters.rules import reading_period_for
from kabinet.meters.selectors import accounts_without_reading, meters_with_last_reading
from kabinet.meters.submission import readings_submit
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile

MAX_IMPORT_BYTES = 200 * 1024 * 1024


def _ctx(request, title, **extra):
    return {**admin.site.each_context(request), "title": title, **extra}


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


# --- hotline ---------------------------------------------------------------------------


def hotline(request: HttpRequest) -> HttpResponse:
    """The operator finds the caller's account and enters readings during the call."""
    _require(request, "meters.add_reading")
    query = request.GET.get("q", "").strip()
    accounts = []
    if query:
        words = query.split()
        q = Q(number=query) | Q(customer__client_code=query)
        name_q = Q()
        for word in words:
            name_q &= (
                Q(customer__last_name__icontains=word)
                | Q(customer__first_name__icontains=word)
                | Q(customer__organisation_name__icontains=word)
                | Q(premises__building__street__icontains=word)
                | Q(premises__building__house__iexact=word)
                | Q(premises__apartment__iexact=word)
            )
        accounts = list(
            Account.objects.filter(closed_on__isnull=True)
            .filter(q | name_q)
            .select_related("customer", "premises__building")
            .order_by("number")[:20]
        )
    account = None
    if request.GET.get("account", "").isdecimal():
        account = get_object_or_404(
            Account.objects.select_related("customer", "premises__building"), pk=int(request.GET["account"])
        )
    receipts = []
    rows = []
    if account is not None:
        meters = list(meters_with_last_reading(account.premises_id))
        rows = [{"meter": m, "name": f"value_{m.pk}", "value": "", "error": "", "confirm": False} for m in meters]
        if request.method == "POST":
            entries = [(row, request.POST.get(row["name"], "").strip()) for row in rows]
            entries = [(row, raw) for row, raw in entries if raw]
            readings = readings_submit(
                entries=[
                    (row["meter"], raw, request.POST.get(f"confirm_{row['meter'].pk}") == "1") for row, raw in entries
                ],
                source=ReadingSource.PHONE,
                actor=request.user,
                ip=request.META.get("REMOTE_ADDR"),
                charge_estimator=charge_estimate,
            )
            for (row, raw), reading in zip(entries, readings, strict=True):
                receipts.append(receipt_context(reading, charge_estimate))
                if reading.status == ReadingStatus.REJECTED:
                    row["value"], row["error"] = raw, reading.reason_text
                    row["confirm"] = reading.reason == "needs_confirmation"
            if not receipts:
                messages.error(request, _("Enter at least one reading."))
    period, window_open = reading_period_for(timezone.localdate(), UtilityProfile.get())
    return TemplateResponse(
        request,
        "admin/meters/hotline.html",
        _ctx(
            request,
            _("Readings by phone"),
            query=query,
            accounts=accounts,
            account=account,
            rows=rows,
            receipts=receipts,
            period=period,
            window_open=window_open,
        ),
    )


# --- file import -----------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file: meter serial, date, value"))


def _import_path(sha: str):
    from django.conf import settings

    folder = settings.PRIVATE_MEDIA_ROOT / "reading-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / sha


def import_file(request: HttpRequest) -> HttpResponse:
    """Upload → preview (nothing changes) → import (all or nothing)."""
    _require(request, "meters.add_readingimport")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and request.POST.get("sha256"):
        sha = request.POST["sha256"]
        path = _import_path(sha) if len(sha) == 64 and sha.isalnum() else None
        if path is None or not path.exists():
            messages.error(request, _("Upload the file again: the preview has expired."))
            return redirect("admin:meters_readingimport_upload")
        data = path.read_bytes()
        try:
            report = readings_import(name=request.POST.get("file_name", "file"), data=data, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("admin:meters_readingimport_upload")
        path.unlink(missing_ok=True)
        if report.already_imported:
            earlier = report.already_imported
            messages.warning(
                request,
                _("These readings were already imported on %(when)s from “%(file)s”; nothing changed.")
                % {"when": timezone.localtime(earlier.created).strftime("%d.%m.%Y %H:%M"), "file": earlier.file_name},
            )
        else:
            messages.success(
                request,
                _("Imported %(accepted)d readings; %(rejected)d rejected.")
                % {"accepted": report.accepted, "rejected": report.rejected},
            )
            if report.flagged:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)d reading is flagged as a possible leak or typo: review it.",
                        "%(count)d readings are flagged as a possible leak or typo: review them.",
                        report.flagged,
                    )
                    % {"count": report.flagged},
                )
        return redirect("admin:meters_readingimport_changelist")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", _("The file is too large."))
        else:
            data = upload.read()
            try:
                report = readings_import_preview(name=upload.name, data=data)
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                _import_path(file_checksum(data)).write_bytes(data)
    return TemplateResponse(
        request,
        "admin/meters/import.html",
        _ctx(
            request,
            _("Import meter readings"),
            form=form,
            report=report,
            reasons=reason_counts(report) if report else [],
        ),
    )


# --- correction --------------------------------------------------------------------------


class CorrectForm(forms.Form):
    value = forms.CharField(label=gettext_lazy("Correct value"), max_length=40)
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


def correct(request: HttpRequest, reading_id: int) -> HttpResponse:
    _require(request, "meters.change_reading")
    reading = get_object_or_404(Reading.objects.select_related("meter__service"), pk=reading_id)
    form = CorrectForm(request.POST or None, initial={"value": reading.value})
    if request.method == "POST" and form.is_valid():
        try:
            corrected = reading_correct(
                reading=reading,
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The reading is corrected; the original stays in the history."))
            return redirect(reverse("admin:meters_reading_change", args=[corrected.pk]))
    return TemplateResponse(
        request,
        "admin/meters/correct.html",
        _ctx(request, _("Correct a reading"), reading=reading, form=form, opts=Reading._meta),
    )


# --- a photo of the meter sent with a reading -------------------------------------------


def reading_photo_image(request: HttpRequest, photo_id: int) -> HttpResponse:
    """The photo itself, for staff who may view readings (the review queue shows it)."""
    _require(request, "meters.view_reading")
    photo = get_object_or_404(ReadingPhoto, pk=photo_id)
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


# --- accounts without a reading ---------------------------------------------------------


def missing(request: HttpRequest) -> HttpResponse:
    _require(request, "meters.view_reading")
    period, _open = reading_period_for(timezone.localdate(), UtilityProfile.get())
    try:
        period = dt.date.fromisoformat(request.GET.get("period", "") + "-01") if request.GET.get("period") else period
    except ValueError:
        pass
    page = Paginator(accounts_without_reading(period), 100).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "admin/meters/missing.html",
        _ctx(
            request,
            _("Accounts without a reading for %(period)s") % {"period": period.strftime("%m.%Y")},
            page=page,
            period=period,
            previous=add_months(period, -1),
            next=add_months(period, 1),
        ),
    )
