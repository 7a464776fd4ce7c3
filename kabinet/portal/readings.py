"""Meter readings in the portal: the form for all meters of the chosen account, the
receipt, the history with a chart and CSV, the meter's specification and API tokens."""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kabinet.billing.estimate import charge_estimator
from kabinet.customers.models import AccountAccess, ApiToken, TokenScope
from kabinet.customers.services.api_tokens import (
    api_token_create,
    api_token_revoke,
    api_tokens_check,
    token_premises_choices,
)
from kabinet.lib.charts import bar_chart
from kabinet.lib.spreadsheet import SafeCsvWriter
from kabinet.meters import rules
from kabinet.meters.idempotency import readings_submit_once
from kabinet.meters.models import Meter, MeterStatus, Reading, ReadingSource, ReadingStatus
from kabinet.meters.photos import pending_photos, photos_visible_to, reading_photo_store, reading_photos_attach
from kabinet.meters.receipts import receipt_context
from kabinet.meters.rules import reading_period_for
from kabinet.meters.selectors import (
    meters_active_by_account,
    meters_for_premises,
    meters_for_readings_form,
    meters_visible_to,
    monthly_consumption,
    readings_history,
)
from kabinet.portal.context import SESSION_KEY, current_access, portal_accesses
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
    # A utility that refuses readings after its window takes none until the next one opens.
    refusing = rules.after_window_refusal(today, profile) is not None
    return {
        "period": period,
        "window_open": window_open,
        "window_first": first,
        "window_last": last,
        "today": today,
        "refusing": refusing,
    }


def _form_context(request: HttpRequest, access, rows: list[dict], **extra) -> dict:
    accesses, _current = portal_accesses(request)
    return {
        **_window_context(),
        "rows": rows,
        "accesses": accesses,
        "current": access if access is not None else _posted_access(request),
        # A fresh idempotency key per rendered form: sending the same form twice (a double
        # click, the back button, the offline queue retrying) stores the readings once.
        "client_key": uuid.uuid4().hex,
        **extra,
    }


def _posted_access(request: HttpRequest):
    """The account the form was rendered for (a hidden field): a form opened before the
    account was switched in another tab, or queued offline, still goes to its own account."""
    wanted = request.POST.get("account", "")
    accesses, current = portal_accesses(request)
    if not wanted:
        return current_access(request)
    access = next((a for a in accesses if str(a.account_id) == wanted), None)
    if access is None:
        raise Http404
    return access


def _shown_access(request: HttpRequest):
    """The account of ?account= (the form of each account that the installed app keeps
    for use offline, kabinet/portal/pwa.py), else the chosen one."""
    wanted = request.GET.get("account", "")
    if not wanted:
        return current_access(request)
    accesses, _current = portal_accesses(request)
    access = next((a for a in accesses if str(a.account_id) == wanted), None)
    if access is None:
        raise Http404
    return access


def _posted_meters(request: HttpRequest) -> tuple[AccountAccess | None, list[Meter]]:
    """The active meters of the account the form is for, chosen as _posted_access() does,
    from one query. The access itself is read only if it has no active meter; otherwise
    None, and _form_context() reads it when the form is shown again."""
    by_account = meters_active_by_account(request.user.pk)
    if not by_account:
        raise Http404  # no open account, as current_access()
    wanted = request.POST.get("account", "")
    if wanted:
        account_id = next((pk for pk in by_account if str(pk) == wanted), None)
        if account_id is None:
            raise Http404
    else:
        chosen = request.session.get(SESSION_KEY)
        account_id = chosen if chosen in by_account else next(iter(by_account))
    meters = by_account[account_id]
    if not meters:
        return _posted_access(request), []
    return None, meters


def _submit_rows(request: HttpRequest, rows: list[dict], estimate) -> list[Reading]:
    """Submit every filled-in meter (one receipt e-mail for the lot) under the form's
    idempotency key; mark the rejected rows. Raises ApplicationError for a reused key."""
    entries = [
        (row, request.POST.get(row["name"], "").strip(), request.POST.get(row["confirm_name"]) == "1") for row in rows
    ]
    entries = [e for e in entries if e[1]]
    if not entries:
        return []
    submitted, _replayed = readings_submit_once(
        user=request.user,
        client_key=request.POST.get("client_key", ""),
        entries=[(row["meter"], raw, confirm) for row, raw, confirm in entries],
        source=ReadingSource.PORTAL,
        ip=_client_ip(request),
        charge_estimator=estimate,
        # A typo is this form's error, not a stored reading nor an e-mail.
        keep_refused=False,
    )
    photo_ids = _posted_photo_ids(request, rows)
    if photo_ids:
        reading_photos_attach(user=request.user, photo_ids=photo_ids, readings=submitted)
    by_meter = {r.meter_id: r for r in submitted}
    for row, raw, _confirm in entries:
        reading = by_meter.get(row["meter"].pk)
        if reading is not None and reading.status == ReadingStatus.REJECTED:
            row["value"] = raw
            row["error"] = reading.reason_text
            row["needs_confirmation"] = reading.reason == "needs_confirmation"
    return submitted


def _rows(meters) -> list[dict]:
    return [
        {
            "meter": m,
            "name": f"value_{m.pk}",
            "confirm_name": f"confirm_{m.pk}",
            "value": "",
            "error": None,
            "needs_confirmation": False,
            "photo": None,
            "photo_error": None,
        }
        for m in meters
    ]


def _posted_photo_ids(request: HttpRequest, rows: list[dict]) -> dict[int, int]:
    """{meter id: photo id} of the photos the form carries (hidden fields photo_<meter>)."""
    ids = {}
    for row in rows:
        raw = request.POST.get(f"photo_{row['meter'].pk}", "")
        if raw.isdecimal():
            ids[row["meter"].pk] = int(raw)
    return ids


def _with_photos(request: HttpRequest, rows: list[dict], ids, *, prefill: bool) -> list[dict]:
    """Each row with the login's photo of its meter not yet linked to a reading; on a
    fresh form the value read from it is filled in, for the customer to confirm."""
    photos = pending_photos(request.user, ids)
    for row in rows:
        photo = photos.get(row["meter"].pk)
        if photo is not None:
            row["photo"] = photo
            if prefill and not row["value"]:
                row["value"] = photo.suggested_value
    return rows


def _with_last_readings(rows: list[dict], premises_id: int) -> list[dict]:
    """The rows of a form shown again (with its errors), now with each meter's previous
    reading and what is saved for the period."""
    annotated = {m.pk: m for m in meters_for_readings_form(premises_id, _window_context()["period"])}
    for row in rows:
        row["meter"] = annotated.get(row["meter"].pk, row["meter"])
    return rows


@login_required
def readings_form(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        access = _shown_access(request)
        rows = _rows(meters_for_readings_form(access.account.premises_id, _window_context()["period"]))
        if request.GET.getlist("photo"):  # back from attaching a photo: its value, to confirm
            for row in rows:  # and the values typed into the other meters before it
                row["value"] = request.GET.get(row["name"], "").strip()[:40]
            rows = _with_photos(request, rows, request.GET.getlist("photo"), prefill=True)
        return render(request, "portal/readings/form.html", _form_context(request, access, rows))
    access, meters = _posted_meters(request)
    premises_id = meters[0].premises_id if meters else access.account.premises_id
    # The previous readings are shown only when the form comes back with an error: a
    # successful submission (most of them) reads just the meters.
    rows = _rows(meters)
    # One estimator per request: the day's tariffs are read once for every receipt.
    estimate = charge_estimator()
    try:
        submitted = _submit_rows(request, rows, estimate)
    except ApplicationError as exc:
        for row in rows:
            row["value"] = request.POST.get(row["name"], "").strip()
        rows = _with_photos(request, rows, _posted_photo_ids(request, rows).values(), prefill=False)
        ctx = _form_context(request, access, _with_last_readings(rows, premises_id), form_error=exc.message)
        return render(request, "portal/readings/form.html", ctx, status=400)
    if not submitted:
        rows = _with_photos(request, rows, _posted_photo_ids(request, rows).values(), prefill=False)
        ctx = _form_context(
            request, access, _with_last_readings(rows, premises_id), form_error=_("Enter at least one reading.")
        )
        return render(request, "portal/readings/form.html", ctx, status=400)
    query = "&".join(f"r={r.pk}" for r in submitted if r.pk is not None)
    if any(r.status == ReadingStatus.REJECTED for r in submitted):
        # A refused value is not stored (keep_refused=False): its photo waits for the retry.
        rows = _with_photos(request, rows, _posted_photo_ids(request, rows).values(), prefill=False)
        receipts = [receipt_context(r, estimate) for r in submitted if r.status != ReadingStatus.REJECTED]
        ctx = _form_context(
            request, access, _with_last_readings(rows, premises_id), receipts=receipts, receipt_query=query
        )
        return render(request, "portal/readings/form.html", ctx, status=400)
    # A URL, not redirect(): given a string, redirect() first tries it as a view name and
    # pays for the failed reverse() on every submission.
    return HttpResponseRedirect(f"{reverse('portal:readings-receipt')}?{query}")


@login_required
@require_POST
def readings_photo_upload(request: HttpRequest) -> HttpResponse:
    """Step one of a reading with a photo: store the photo, then show the form again with
    the value read from it filled in. Nothing is submitted until the customer confirms.

    The readings form posts here through its "Attach the photo" button (formaction), so the
    values typed into the other meters, and their photos, come back filled in too."""
    access, meters = _posted_meters(request)
    wanted = request.POST.get("photo_meter") or request.POST.get("meter", "")
    meter = next((m for m in meters if str(m.pk) == wanted), None)
    if meter is None:
        raise Http404
    rows = _rows(meters)
    keep = [str(i) for i in _posted_photo_ids(request, rows).values()] + request.POST.getlist("keep")[:20]
    typed = {row["name"]: request.POST.get(row["name"], "").strip()[:40] for row in rows}
    upload = request.FILES.get(f"photo_file_{meter.pk}") or request.FILES.get("photo")
    try:
        if upload is None:
            raise ApplicationError("no_photo", _("Choose a photo of the meter first."), field="photo")
        photo = reading_photo_store(meter=meter, upload=upload, user=request.user, source=ReadingSource.PORTAL)
    except ApplicationError as exc:
        for row in rows:
            row["value"] = typed[row["name"]]
        rows = _with_photos(request, rows, keep, prefill=True)
        for row in rows:
            if row["meter"].pk == meter.pk:
                row["photo_error"] = exc.message
        ctx = _form_context(request, access, _with_last_readings(rows, meter.premises_id))
        return render(request, "portal/readings/form.html", ctx, status=400)
    query = [("account", request.POST.get("account", ""))]
    query += [("photo", p) for p in keep if p.isdecimal()] + [("photo", str(photo.pk))]
    # The meter just photographed takes the value read from it; the others keep what was typed.
    query += [(name, value) for name, value in typed.items() if value and name != f"value_{meter.pk}"]
    return HttpResponseRedirect(f"{reverse('portal:readings')}?{urlencode(query)}#meter-{meter.pk}")


@login_required
def reading_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A photo of a meter, to the logins of its account (staff: the back office's own URL)."""
    photo = photos_visible_to(request.user).filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


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
    writer = SafeCsvWriter(response, delimiter=";")
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
    if api_tokens_check(user=request.user):
        messages.info(request, _("Your password has changed since these tokens were made: they no longer work."))
    premises = token_premises_choices(request.user)
    # Offered checked: what a home-automation bridge needs; every other power is chosen.
    chosen_scopes = [TokenScope.READINGS_READ, TokenScope.READINGS_WRITE]
    if request.method == "POST":
        chosen_scopes = request.POST.getlist("scopes")
        try:
            premises_id = int(request.POST["premises"]) if request.POST.get("premises") else None
        except ValueError:
            premises_id = -1  # not one of the login's: refused by the service
        try:
            token, new_token = api_token_create(
                user=request.user, name=request.POST.get("name", ""), scopes=chosen_scopes, premises_id=premises_id
            )
        except ApplicationError as exc:
            error = exc.message
    tokens = list(ApiToken.objects.filter(user=request.user).select_related("premises__building").order_by("-created"))
    labels = dict(TokenScope.choices)
    for token in tokens:
        token.scope_labels = [labels.get(scope, scope) for scope in token.scopes]
    return render(
        request,
        "portal/readings/tokens.html",
        {
            "tokens": tokens,
            "new_token": new_token,
            "error": error,
            "api_base": request.build_absolute_uri("/api/v1/"),
            "scopes": TokenScope.choices,
            "chosen_scopes": chosen_scopes,
            "premises": premises,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("portal:api-tokens")
