"""Portal pages for service requests: list, file a new one, follow it, rate or reopen it."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.meters.models import Meter, MeterStatus
from kabinet.portal.context import portal_accesses
from kabinet.servicedesk.forms import MultipleFileField
from kabinet.servicedesk.models import MAX_COMMENT, MAX_DESCRIPTION, MAX_PHOTOS, Photo, ServiceRequest
from kabinet.servicedesk.selectors import categories_active, request_for_user, requests_for_user
from kabinet.servicedesk.services import request_comment_add, request_file, request_rate, request_reopen
from kabinet.utility.exceptions import ApplicationError

PAGE_SIZE = 20


class RequestForm(forms.Form):
    account = forms.TypedChoiceField(label=gettext_lazy("Premises"), coerce=int)
    category = forms.TypedChoiceField(label=gettext_lazy("What happened?"), coerce=int)
    meter = forms.TypedChoiceField(
        label=gettext_lazy("Meter (for meter work)"), coerce=int, required=False, empty_value=None
    )
    description = forms.CharField(
        label=gettext_lazy("Describe the problem"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_DESCRIPTION}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    preferred_time = forms.CharField(
        label=gettext_lazy("Preferred time for a visit"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("For example: weekdays after 17:00"),
    )
    submit_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    photos = MultipleFileField(
        label=gettext_lazy("Photos"),
        required=False,
        help_text=gettext_lazy("Up to 5 photos, JPEG, PNG or HEIC, up to 10 MB each"),
    )

    def __init__(self, *args, accesses, categories, meters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [
            (a.account_id, f"{a.account.number} · {a.account.premises.address}") for a in accesses
        ]
        self.fields["category"].choices = [("", "—")] + [(c.pk, c.name) for c in categories]
        self.fields["meter"].choices = [("", "—")] + [
            (m.pk, f"{m.service.name} № {m.serial_number} · {m.premises.address}") for m in meters
        ]


def _form_error(form: forms.Form, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(requests_for_user(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/servicedesk/list.html", {"page": page})


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    accesses, current = portal_accesses(request)
    if not accesses:
        messages.error(request, _("This login has no premises to file a request for."))
        return redirect("portal:dashboard")
    categories = list(categories_active())
    premises_ids = {a.account.premises_id for a in accesses}
    meters = list(
        Meter.objects.filter(premises_id__in=premises_ids, status=MeterStatus.ACTIVE)
        .select_related("service", "premises__building")
        .order_by("premises_id", "service__sort_order", "serial_number")
    )
    initial = {
        "account": current.account_id,
        "phone": request.user.phone or current.account.customer.phone,
        "submit_key": uuid.uuid4().hex,
    }
    wanted_meter = request.GET.get("meter", "")
    meter = next((m for m in meters if str(m.pk) == wanted_meter), None)
    if meter is not None:
        initial["meter"] = meter.pk
        initial["account"] = next(a.account_id for a in accesses if a.account.premises_id == meter.premises_id)
        wanted = request.GET.get("category") or "meter_verification"
        category = next((c for c in categories if c.code == wanted and c.meter_work), None)
        if category:
            initial["category"] = category.pk
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        accesses=accesses,
        categories=categories,
        meters=meters,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        access = next(a for a in accesses if a.account_id == data["account"])
        category = next(c for c in categories if c.pk == data["category"])
        chosen_meter = next((m for m in meters if m.pk == data["meter"]), None)
        try:
            req = request_file(
                user=request.user,
                account=access.account,
                category=category,
                meter=chosen_meter,
                description=data["description"],
                phone=data["phone"],
                preferred_time=data["preferred_time"],
                photos=data["photos"],
                submit_key=data["submit_key"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Request %(number)s filed.") % {"number": req.number})
            return redirect("portal:request-detail", req.pk)
    return render(
        request,
        "portal/servicedesk/new.html",
        {
            "form": form,
            "categories": categories,
            "emergency_categories": [c for c in categories if c.is_emergency],
            "max_photos": MAX_PHOTOS,
        },
    )


def _own_request(request: HttpRequest, pk: int) -> ServiceRequest:
    req = request_for_user(request.user, pk)
    if req is None:
        raise Http404
    return req


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = _own_request(request, pk)
    return render(
        request,
        "portal/servicedesk/detail.html",
        {"req": req, "max_comment": MAX_COMMENT, "stars": range(5, 0, -1)},
    )


@login_required
@require_POST
def request_comment(request: HttpRequest, pk: int) -> HttpResponse:
    req = _own_request(request, pk)
    try:
        request_comment_add(request=req, author=request.user, text=request.POST.get("text", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Comment added."))
    return redirect("portal:request-detail", req.pk)


@login_required
@require_POST
def request_rating(request: HttpRequest, pk: int) -> HttpResponse:
    req = _own_request(request, pk)
    try:
        rating = int(request.POST.get("rating", ""))
    except ValueError:
        rating = 0
    try:
        request_rate(request=req, actor=request.user, rating=rating, comment=request.POST.get("comment", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("portal:request-detail", req.pk)


@login_required
@require_POST
def request_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    req = _own_request(request, pk)
    try:
        request_reopen(request=req, actor=request.user, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is open again."))
    return redirect("portal:request-detail", req.pk)


@login_required
def request_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A photo, only to the request's customer and to staff allowed to see requests."""
    if request.user.is_staff and request.user.has_perm("servicedesk.view_servicerequest"):
        photo = Photo.objects.filter(pk=photo_pk, request_id=pk).first()
    else:
        req = requests_for_user(request.user).filter(pk=pk).first()
        photo = Photo.objects.filter(pk=photo_pk, request=req).first() if req else None
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
