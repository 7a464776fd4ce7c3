"""Meter readings in the portal: the form for all meters of the chosen account, the
receipt, the history with a chart and CSV, the meter's specification and API tokens."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.api.models import ApiToken
from kabinet.api.services import api_token_create, api_token_revoke
from kabinet.billing.estimate import charge_estimator
from kabinet.lib.charts import bar_chart
from kabinet.meters.models import Meter, MeterStatus, Reading, ReadingSource, ReadingStatus
from kabinet.meters.selectors import (
    meters_for_premises,
    meters_visible_to,
    meters_with_last_reading,
    monthly_consumption,
    readings_history,
)
from kabinet.meters.services import reading_period_for, readings_submit, receipt_context
from kabinet.portal.context import current_access, portal_accesses
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile

MAX_RECEIPTS = 20


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _window_context() -> dict:
    profile = UtilityProfile.get()
    today = timezone.localdate()
    period, window_open = reading_period_for(today, profile)
    first, last = profile.window_for(period)
    return {"period": period, "window_open": window_open, "window_first": first, "window_last": last, "today": today}


def _submit_rows(request: HttpRequest, rows: list[dict], estimate) -> list[Reading]:
    """Submit every filled-in meter (one receipt e-mail for the lot); mark the rejected rows."""
    entries = [
        (row, request.POST.get(row["name"], "").strip(), request.POST.get(row["confirm_name"]) == "1") for row in rows
    ]
    entries = [e for e in entries if e[1]]
    submitted = readings_submit(
        entries=[(row["meter"], raw, confirm) for row, raw, confirm in entries],
        source=ReadingSource.PORTAL,
        actor=request.user,
        ip=_client_ip(request),
        charge_estimator=estimate,
    )
    for (row, raw, _confirm), reading in zip(entries, submitted, strict=True):
        if reading.status == ReadingStatus.REJECTED:
            row["value"] = raw
            row["error"] = reading.reason_text
            row["needs_confirmation"] = reading.reason == "needs_confirmation"
    return submitted


@login_required
def readings_form(request: HttpRequest) -> HttpResponse:
    access = current_access(request)
    accesses, _current = portal_accesses(request)
    meters = list(meters_with_last_reading(access.account.premises_id))
    rows = [
        {
            "meter": m,
            "name": f"value_{m.pk}",
            "confirm_name": f"confirm_{m.pk}",
            "value": "",
            "error": None,
            "needs_confirmation": False,
        }
        for m in meters
    ]
    if request.method == "POST":
        estimate = charge_estimator()
        submitted = _submit_rows(request, rows, estimate)
        if not submitted:
            return render(
                request,
                "portal/readings/form.html",
                {
                    **_window_context(),
                    "rows": rows,
                    "accesses": accesses,
                    "current": access,
                    "form_error": _("Enter at least one reading."),
                },
                status=400,
            )
        query = "&".join(f"r={r.pk}" for r in submitted)
        if any(r.status == ReadingStatus.REJECTED for r in submitted):
            receipts = [receipt_context(r, estimate) for r in submitted if r.status != ReadingStatus.REJECTED]
            return render(
                request,
                "portal/readings/form.html",
                {
                    **_window_context(),
                    "rows": rows,
                    "accesses": accesses,
                    "current": access,
                    "receipts": receipts,
                    "receipt_query": query,
                },
                status=400,
            )
        return redirect(f"{reverse('portal:readings-receipt')}?{query}")
    return render(
        request,
        "portal/readings/form.html",
        {**_window_context(), "rows": rows, "accesses": accesses, "current": access},
    )


@login_required
def readings_receipt(request: HttpRequest) -> HttpResponse:
    try:
        ids = [int(x) for x in request.GET.getlist("r")][:MAX_RECEIPTS]
    except ValueError as exc:
        raise Http404 from exc
    readings = list(
        Reading.objects.filter(pk__in=ids, meter__in=meters_visible_to(request.user))
        .select_related("meter__service")
        .order_by("meter__service__sort_order", "id")
    )
    if not readings:
        raise Http404
    estimate = charge_estimator()
    receipts = [receipt_context(r, estimate) for r in readings]
    return render(request, "portal/readings/receipt.html", {"receipts": receipts})


def _history_meters(request: HttpRequest):
    access = current_access(request)
    meters = list(meters_for_premises(access.account.premises_id))
    wanted = request.GET.get("meter")
    if wanted:
        meters = [m for m in meters if str(m.pk) == wanted]
        if not meters:
            raise Http404
    return access, meters


@login_required
def readings_history_view(request: HttpRequest) -> HttpResponse:
    access, meters = _history_meters(request)
    readings = list(readings_history([m.pk for m in meters]))
    by_meter = {m.pk: {"meter": m, "readings": [], "chart": None} for m in meters}
    for r in readings:
        by_meter[r.meter_id]["readings"].append(r)
    for entry in by_meter.values():
        points = [(p.strftime("%m.%y"), c) for p, c in monthly_consumption(entry["meter"].pk)]
        entry["chart"] = bar_chart(points)
    return render(
        request,
        "portal/readings/history.html",
        {"current": access, "meters": list(by_meter.values()), "chosen": request.GET.get("meter", "")},
    )


@login_required
def readings_history_csv(request: HttpRequest) -> HttpResponse:
    access, meters = _history_meters(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="readings-{access.account.number}.csv"'
    response.write("\ufeff")  # spreadsheets open UTF-8 with a BOM correctly
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Meter"),
            _("Service"),
            _("Period"),
            _("Value entered"),
            _("Value used"),
            _("Consumption"),
            _("Source"),
            _("Status"),
            _("Reason"),
            _("Received"),
        ]
    )
    for r in readings_history([m.pk for m in meters], limit=None).iterator(chunk_size=2000):
        writer.writerow(
            [
                r.meter.serial_number,
                r.meter.service.name,
                r.period.strftime("%Y-%m"),
                r.entered_value,
                r.value,
                "" if r.consumption is None else r.consumption,
                r.get_source_display(),
                r.get_status_display(),
                r.reason_text,
                timezone.localtime(r.created).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return response


@login_required
def meter_detail(request: HttpRequest, meter_id: int) -> HttpResponse:
    access = current_access(request)
    meter = get_object_or_404(
        Meter.objects.select_related("service", "premises__building"),
        pk=meter_id,
        premises_id=access.account.premises_id,
    )
    today = timezone.localdate()
    return render(
        request,
        "portal/readings/meter.html",
        {
            "current": access,
            "meter": meter,
            "expired": meter.verification_expired(today),
            "due_soon": meter.verification_due_soon(today),
            "active": meter.status == MeterStatus.ACTIVE,
            "last": Reading.objects.filter(meter=meter, status__in=["accepted", "estimated"])
            .order_by("-period")
            .first(),
        },
    )


# --- personal API tokens ---------------------------------------------------------------


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    if request.user.customer_id is None and not ApiToken.objects.filter(user=request.user).exists():
        if not portal_accesses(request)[0]:
            raise Http404
    new_token = None
    error = None
    if request.method == "POST":
        try:
            token, new_token = api_token_create(user=request.user, name=request.POST.get("name", ""))
        except ApplicationError as exc:
            error = exc.message
    tokens = list(ApiToken.objects.filter(user=request.user).order_by("-created"))
    return render(
        request,
        "portal/readings/tokens.html",
        {"tokens": tokens, "new_token": new_token, "error": error, "api_base": request.build_absolute_uri("/api/v1/")},
        status=400 if error else 200,
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("portal:api-tokens")
