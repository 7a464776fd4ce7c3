"""The customer's invoices: unpaid invoices and debt, invoice detail, the printable
receipt (HTML and PDF from one template), the statement and the consumption comparison.
What is paid and due comes from payments.selectors.account_dues, as on every page.

Another customer's invoice is a 404, as is any invoice of an account this login may
only submit readings for."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from kabinet.billing import receipts
from kabinet.billing.models import Invoice
from kabinet.billing.selectors import (
    consumption_comparison,
    consumption_history,
    invoice_for_accounts,
    statement,
    visible_invoices,
)
from kabinet.lib.charts import bar_chart
from kabinet.payments.selectors import account_dues, invoice_dues
from kabinet.portal.context import current_access, portal_accesses
from kabinet.utility.csp import document_policy

CONSUMPTION_MONTHS = 12


def _invoice_access(request: HttpRequest):
    access = current_access(request)
    if not access.can_see_invoices:
        raise Http404
    return access


def _invoice(request: HttpRequest, pk: int) -> Invoice:
    accesses, _current = portal_accesses(request)
    invoice = invoice_for_accounts([a.account_id for a in accesses if a.can_see_invoices], pk, timezone.localdate())
    if invoice is None:
        raise Http404
    return invoice


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def invoices(request: HttpRequest) -> HttpResponse:
    access = _invoice_access(request)
    accesses, _current = portal_accesses(request)
    today = timezone.localdate()
    dues = account_dues([access.account_id], today)[access.account_id]
    history = invoice_dues(visible_invoices(access.account_id, today)[:24], dues)
    return render(
        request,
        "portal/billing/invoices.html",
        {
            "accesses": accesses,
            "current": access,
            "dues": dues,
            "balance": dues.balance,
            "unpaid": dues.open_invoices,
            "history": history,
            "today": today,
        },
    )


@login_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    ctx = receipts.receipt_context(invoice)
    ctx["comparison"] = consumption_comparison(invoice, today=timezone.localdate())
    dues = account_dues([invoice.account_id], timezone.localdate())[invoice.account_id]
    ctx["state"] = invoice_dues([invoice], dues)[0].dues
    ctx["to_settle"] = dues.to_settle(invoice.pk)
    return render(request, "portal/billing/invoice_detail.html", ctx)


@login_required
def invoice_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    response = HttpResponse(receipts.receipt_html(invoice))
    # The receipt's CSS is inline (the same template is the PDF): allowed by its hash.
    response["Content-Security-Policy"] = document_policy(response.content)
    return response


@login_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    return _pdf(receipts.receipt_pdf(invoice), f"invoice-{invoice.number}.pdf")


def _statement_context(request: HttpRequest) -> dict:
    access = _invoice_access(request)
    accesses, _current = portal_accesses(request)
    today = timezone.localdate()
    periods = statement(access.account_id, today)
    return {
        "accesses": accesses,
        "current": access,
        "account": access.account,
        "periods": list(reversed(periods)),
        "balance": periods[-1].closing if periods else 0,
        "today": today,
    }


@login_required
def statement_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/billing/statement.html", _statement_context(request))


@login_required
def statement_pdf(request: HttpRequest) -> HttpResponse:
    from kabinet.utility.models import UtilityProfile

    ctx = _statement_context(request)
    ctx["utility"] = UtilityProfile.get()
    html = render_to_string("portal/billing/statement_print.html", ctx)
    return _pdf(receipts.html_pdf(html), f"statement-{ctx['account'].number}.pdf")


@login_required
def consumption(request: HttpRequest) -> HttpResponse:
    access = _invoice_access(request)
    accesses, _current = portal_accesses(request)
    today = timezone.localdate()
    services = []
    for use in consumption_history(access.account, today=today, months=CONSUMPTION_MONTHS):
        # Oldest month at the top; a month without a figure is a row without a bar. The
        # labels ("11.2026") need a little more room than the history chart's ("11.26").
        points = [(f"{row.month.period:%m.%Y}", row.month.quantity) for row in use.rows]
        services.append((use, bar_chart(points, left=23, span=55)))
    return render(
        request,
        "portal/billing/consumption.html",
        {
            "accesses": accesses,
            "current": access,
            "invoice": visible_invoices(access.account_id, today).first(),
            "services": services,
        },
    )
