"""The customer's automatic payment pages (thin): set up, come back from the provider,
stop in one click. Only the account's holder sees and manages it; another login's
mandate is a 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kabinet.autopay import selectors
from kabinet.autopay.forms import SetupForm
from kabinet.autopay.models import LIVE, Mandate, MandateStatus
from kabinet.autopay.services import mandate_setup, mandate_setup_refresh, mandate_stop
from kabinet.payments.providers import online_payments_enabled
from kabinet.utility.exceptions import ApplicationError


def _page(request: HttpRequest, form: SetupForm | None = None, status: int = 200) -> HttpResponse:
    accesses = selectors.holder_accesses(request.user)
    account_ids = [a.account_id for a in accesses]
    mandates = selectors.mandates_for_accounts(account_ids)
    enabled = online_payments_enabled()
    methods = selectors.saved_methods(request.user, _provider()) if enabled else []
    free = [a for a in accesses if not (a.account_id in mandates and mandates[a.account_id].status == "active")]
    if form is None and enabled and free:
        form = SetupForm(accesses=free, methods=methods, initial={"mode": "on_issue"})
    rows = [{"access": a, "mandate": mandates.get(a.account_id)} for a in accesses]
    return render(
        request,
        "autopay/home.html",
        {
            "rows": rows,
            "form": form,
            "enabled": enabled,
            "is_holder": bool(accesses),
            "stopped": selectors.stopped_mandates(account_ids),
        },
        status=status,
    )


def _provider() -> str:
    return settings.PAYMENT_PROVIDER


@login_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """The settings page; POST sets automatic payment up for one account."""
    if request.method == "GET":
        return _page(request)
    if not online_payments_enabled():
        raise Http404
    accesses = selectors.holder_accesses(request.user)
    methods = selectors.saved_methods(request.user, _provider())
    form = SetupForm(request.POST, accesses=accesses, methods=methods)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    access = next(a for a in accesses if a.account_id == data["account"])
    method = next((m for m in methods if m.pk == data.get("method")), None)
    try:
        mandate = mandate_setup(
            user=request.user,
            account=access.account,
            mode=data["mode"],
            day=data.get("day"),
            max_amount=data["max_amount"],
            method=method,
            return_url=lambda online: request.build_absolute_uri(reverse("autopay:return", args=[online.pk])),
        )
    except ApplicationError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, form, status=400)
    if mandate.status == MandateStatus.ACTIVE:
        messages.success(request, _("Automatic payment is on."))
        return redirect("autopay:home")
    return redirect(mandate.setup_payment.confirmation_url)


@login_required
def setup_return(request: HttpRequest, online_id) -> HttpResponse:
    """Back from the provider's page: the card is saved (on) or not (say so)."""
    mandate = get_object_or_404(
        Mandate.objects.select_related("setup_payment"), setup_payment_id=online_id, user=request.user
    )
    mandate = mandate_setup_refresh(mandate=mandate)
    if mandate.status == MandateStatus.ACTIVE:
        messages.success(request, _("Your card is saved and automatic payment is on."))
    elif mandate.status == MandateStatus.PENDING:
        messages.info(
            request, _("We are waiting for the payment service to confirm your card. Check again in a minute.")
        )
    else:
        messages.error(request, _("Your card was not saved, so automatic payment is not on."))
    return redirect("autopay:home")


@login_required
@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop automatic payment: GET asks to confirm, POST stops it at once."""
    held = [a.account_id for a in selectors.holder_accesses(request.user)]
    mandate = get_object_or_404(Mandate.objects.select_related("account", "method"), pk=pk, account_id__in=held)
    if mandate.status not in LIVE:
        return redirect("autopay:home")  # already stopped (a second click): nothing to do
    if request.method == "POST":
        mandate_stop(mandate=mandate, actor=request.user)
        messages.success(request, _("Automatic payment is stopped. Nothing more will be charged."))
        return redirect("autopay:home")
    return render(request, "autopay/stop.html", {"mandate": mandate})
