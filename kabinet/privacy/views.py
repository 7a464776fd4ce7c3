"""The portal's "Privacy and my data" pages (routed in kabinet/portal/urls.py): the
utility's privacy notice (public), the data download, corrections and the erasure."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kabinet.customers.models import Account
from kabinet.privacy.models import CorrectionField, ErasureRequest, RequestStatus
from kabinet.privacy.selectors import (
    corrections_for,
    erasure_requests_for,
    exports_for,
    kept_records,
    privacy_policy,
    retention_basis,
)
from kabinet.privacy.services import (
    correction_request_create,
    data_export_for_download,
    data_export_request,
    erasure_request_create,
    erasure_withdraw,
)
from kabinet.utility.exceptions import ApplicationError


def policy(request: HttpRequest) -> HttpResponse:
    """The utility's privacy notice: public, no login."""
    notice = privacy_policy()
    return render(request, "portal/privacy/policy.html", {"policy": notice, "retention_basis": retention_basis(notice)})


@login_required
def privacy_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    erasures = erasure_requests_for(user)
    return render(
        request,
        "portal/privacy/home.html",
        {
            "exports": exports_for(user),
            "corrections": corrections_for(user, limit=10),
            "erasure_pending": next((e for e in erasures if e.status == RequestStatus.PENDING), None),
        },
    )


@login_required
@require_POST
def export_request(request: HttpRequest) -> HttpResponse:
    try:
        export = data_export_request(user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        export.refresh_from_db()
        if export.status == "ready":
            messages.success(request, _("Your data is ready. We have also e-mailed you the link."))
        else:
            messages.success(request, _("We are preparing your data. The link will come by e-mail."))
    return redirect("portal:privacy")


@login_required
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    """The ZIP, only to its own login while the link is valid (another login gets 404)."""
    export = data_export_for_download(user=request.user, token=token)
    if export is None:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type="application/zip", as_attachment=True, filename=f"my-data-{export.created:%Y-%m-%d}.zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label=gettext_lazy("What is wrong"), choices=CorrectionField.choices)
    account = forms.ModelChoiceField(
        label=gettext_lazy("Account"),
        queryset=Account.objects.none(),
        required=False,
        empty_label=gettext_lazy("— not about an account —"),
        help_text=gettext_lazy("Needed for the account holder's name, phone and postal address."),
    )
    new_value = forms.CharField(label=gettext_lazy("The correct value"), max_length=300)
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(accesses__user=user).order_by("number")


@login_required
def correction_new(request: HttpRequest) -> HttpResponse:
    form = CorrectionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correction_request_create(
                user=request.user,
                field=data["field"],
                new_value=data["new_value"],
                account=data["account"],
                comment=data["comment"],
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your request has been sent. We will answer on this page."))
            return redirect("portal:privacy")
    return render(request, "portal/privacy/correction.html", {"form": form})


class ErasureForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password, to confirm"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label=gettext_lazy("I understand that my login will be erased and I will no longer be able to log in.")
    )


@login_required
def erasure(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure_request_create(user=user, password=form.cleaned_data["password"])
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your request has been sent. Staff will decide on it soon."))
            return redirect("portal:privacy-erasure")
    notice = privacy_policy()
    pending = ErasureRequest.objects.filter(user=user, status=RequestStatus.PENDING).first()
    return render(
        request,
        "portal/privacy/erasure.html",
        {
            "form": form,
            "pending": pending,
            "policy": notice,
            "retention_basis": retention_basis(notice),
            "kept": kept_records(user, notice),
            "past": [e for e in erasure_requests_for(user) if e.status != RequestStatus.PENDING],
        },
    )


@login_required
@require_POST
def erasure_cancel(request: HttpRequest) -> HttpResponse:
    pending = ErasureRequest.objects.filter(user=request.user, status=RequestStatus.PENDING).first()
    if pending is None:
        raise Http404
    erasure_withdraw(request=pending, user=request.user)
    messages.success(request, _("Your request to erase the login is withdrawn."))
    return redirect("portal:privacy-erasure")
