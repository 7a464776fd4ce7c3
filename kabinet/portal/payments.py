"""The customer's payments: pay online, come back from the provider, payment history.
Also the provider notification endpoint and the sandbox provider's hosted page."""

import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kabinet.billing.models import Invoice
from kabinet.lib.money import whole_cents
from kabinet.payments.models import OnlinePayment, OnlineStatus, PaymentChannel, SandboxCharge
from kabinet.payments.online import (
    PayLine,
    notification_handle,
    online_payment_refresh,
    online_payment_start,
)
from kabinet.payments.providers import (
    NotificationRejected,
    ProviderError,
    online_payments_enabled,
    provider_active,
    sandbox,
)
from kabinet.payments.selectors import account_dues, account_statement, payments_for_account
from kabinet.portal.context import current_access, portal_accesses
from kabinet.utility.exceptions import ApplicationError

log = logging.getLogger(__name__)


def _payable_accesses(request: HttpRequest):
    accesses, _current = portal_accesses(request)
    return [a for a in accesses if a.can_see_invoices]


@login_required
def history(request: HttpRequest) -> HttpResponse:
    current = current_access(request)
    if not current.can_see_invoices:
        raise Http404
    account_id = current.account_id
    today = timezone.localdate()
    dues = account_dues([account_id], today)[account_id]
    payments = list(payments_for_account(account_id)[:100])
    for payment in payments:
        # Which invoices each payment settled: the allocation every page shows.
        payment.paid_invoices = [
            (dues.invoices[inv_id].number, amount) for inv_id, amount in dues.paid_by.get(payment.pk, [])
        ]
        payment.channel_label = PaymentChannel(payment.channel).label
    statement = account_statement(account_id, today=today)
    accesses, _current = portal_accesses(request)
    return render(
        request,
        "portal/payments/history.html",
        {
            "accesses": accesses,
            "current": current,
            "payments": payments,
            "statement": statement,
            "dues": dues,
            "balance": dues.balance,
            "credit": dues.credit,
        },
    )


def _money_field(due: Decimal) -> str:
    """The amount a pay field is filled in with, in the page's number format (42,68 in
    Latvian and Russian, as the amount shown beside it); _amount() reads either."""
    return number_format(due, 2) if due > 0 else ""


def _amount(value: str) -> Decimal | None:
    value = (value or "").strip().replace(",", ".").replace(" ", "")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return Decimal("NaN")


@login_required
def pay(request: HttpRequest) -> HttpResponse:
    """Pay the whole debt, one invoice, or a chosen amount, for one account or several."""
    accesses = _payable_accesses(request)
    if not accesses:
        raise Http404
    if not online_payments_enabled():
        return _pay_by_transfer(request, accesses)
    by_id = {a.account_id: a for a in accesses}
    invoice = None
    invoice_ref = request.POST.get("invoice") or request.GET.get("invoice")
    if invoice_ref:
        try:
            invoice = Invoice.objects.select_related("account").get(pk=int(invoice_ref), account_id__in=by_id)
        except (ValueError, Invoice.DoesNotExist):
            raise Http404 from None
    dues = account_dues(by_id, timezone.localdate())
    rows = []
    older_debt = False
    if invoice is not None:
        # Payments pay the oldest debt first: what settles this invoice includes older debt.
        owed = dues[invoice.account_id]
        due = owed.to_settle(invoice.pk)
        older_debt = due > 0 and due > owed.invoices[invoice.pk].remaining
        rows.append({"access": by_id[invoice.account_id], "due": due, "value": _money_field(due)})
    else:
        for access in accesses:
            due = dues[access.account_id].to_pay
            rows.append({"access": access, "due": due, "value": _money_field(due)})
    errors = []
    if request.method == "POST":
        lines = []
        for row in rows:
            raw = request.POST.get(f"amount-{row['access'].account_id}", "")
            row["value"] = raw
            amount = _amount(raw)
            if amount is None or amount == 0:
                continue
            if not whole_cents(amount) or amount < 0:
                errors.append(
                    _("Account %(number)s: enter an amount like %(example)s.")
                    % {"number": row["access"].account.number, "example": number_format(Decimal("12.50"), 2)}
                )
                continue
            lines.append(PayLine(account=row["access"].account, amount=amount, invoice=invoice))
        if not errors and not lines:
            errors.append(_("Enter the amount to pay for at least one account."))
        if not errors:
            try:
                online = online_payment_start(
                    user=request.user,
                    lines=lines,
                    return_url=lambda o: request.build_absolute_uri(reverse("portal:pay-return", args=[o.pk])),
                )
            except ApplicationError as exc:
                errors.append(exc.message)
            else:
                return redirect(online.confirmation_url)
    return render(
        request,
        "portal/payments/pay.html",
        {
            "rows": rows,
            "invoice": invoice,
            "older_debt": older_debt,
            "errors": errors,
            "accesses": accesses,
            "sandbox": settings.PAYMENT_PROVIDER == "sandbox",
        },
    )


def _pay_by_transfer(request: HttpRequest, accesses) -> HttpResponse:
    """No online provider is configured: say so, and how to pay by bank transfer instead."""
    dues = account_dues([a.account_id for a in accesses], timezone.localdate())
    rows = [{"access": a, "due": dues[a.account_id].to_pay} for a in accesses]
    return render(request, "portal/payments/transfer.html", {"rows": rows, "accesses": accesses})


@login_required
def pay_return(request: HttpRequest, online_id) -> HttpResponse:
    online = get_object_or_404(OnlinePayment, pk=online_id, user=request.user)
    online = online_payment_refresh(online=online)
    lines = list(online.lines.select_related("account", "invoice"))
    return render(
        request,
        "portal/payments/return.html",
        {"online": online, "lines": lines, "pending": online.status == OnlineStatus.PENDING},
    )


@csrf_exempt
@require_POST
def notify(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider's notification (webhook). 200 when handled (also for repeats), 400
    when it is not authentic, so a real provider retries only what may succeed later;
    404 for a provider Kabinet does not talk to (the sandbox outside the demo)."""
    if not provider_active(provider):
        raise Http404
    try:
        notification_handle(
            provider_code=provider,
            body=request.body,
            headers=request.headers,
            remote_addr=request.META.get("REMOTE_ADDR", ""),
        )
    except NotificationRejected as exc:
        log.warning("payment notification rejected (%s): %s", provider, exc)
        return HttpResponseBadRequest("rejected")
    except ProviderError as exc:
        log.warning("payment notification not verified (%s): %s", provider, exc)
        return HttpResponse("retry later", status=503)
    return HttpResponse("ok")


def sandbox_page(request: HttpRequest, charge_id: str) -> HttpResponse:
    """The sandbox provider's hosted payment page (it stands for the provider's site).
    It exists only while the sandbox is the configured provider."""
    if not provider_active("sandbox"):
        raise Http404
    charge = get_object_or_404(SandboxCharge, pk=charge_id)
    if request.method == "POST" and charge.status == "pending":
        action = request.POST.get("action", "")
        if action in ("pay", "decline", "cancel"):
            sandbox.charge_act(
                charge=charge,
                action=action,
                delay=bool(request.POST.get("delay")),
                twice=bool(request.POST.get("twice")),
            )
            return redirect(charge.return_url)
    if charge.status != "pending":
        return redirect(charge.return_url)
    return render(request, "portal/payments/sandbox.html", {"charge": charge})
