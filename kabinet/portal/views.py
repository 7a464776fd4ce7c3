import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kabinet.billing.selectors import invoices_for_account
from kabinet.lib.urls import local_url
from kabinet.meters.selectors import meters_with_last_reading
from kabinet.news.selectors import outages_for_building
from kabinet.payments.selectors import account_dues, invoice_dues
from kabinet.portal.context import SESSION_KEY, portal_accesses

LATEST_INVOICES = 6


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    accesses, current = portal_accesses(request)
    today = timezone.localdate()
    ctx = {
        "accesses": accesses,
        "current": current,
        "today": today,
        "soon": today + dt.timedelta(days=30),
    }
    if current is not None:
        invoices = list(invoices_for_account(current.account_id)[:LATEST_INVOICES]) if current.can_see_invoices else []
        # What is paid and due, by when: the same answer as every other page gives. The
        # entries before the oldest invoice shown come as sums and the debits still open
        # (account_dues' since): the page costs the same after five years as after one.
        since = invoices[-1].issued_on if invoices else today - dt.timedelta(days=31 * LATEST_INVOICES)
        dues = account_dues([a.account_id for a in accesses], today, since=since)
        for access in accesses:
            access.balance = dues[access.account_id].balance
        ctx["dues"] = dues[current.account_id]
        ctx["balance"] = ctx["dues"].balance
        if current.can_see_invoices:
            ctx["invoices"] = invoice_dues(invoices, ctx["dues"])
        ctx["meters"] = list(meters_with_last_reading(current.account.premises_id))
        ctx["outages"] = list(outages_for_building(current.account.premises.building))
    return render(request, "portal/dashboard.html", ctx)


@login_required
@require_POST
def account_choose(request: HttpRequest) -> HttpResponse:
    accesses, _current = portal_accesses(request)
    try:
        chosen = int(request.POST.get("account", ""))
    except ValueError:
        chosen = None
    # Only an account this login may see can be chosen; anything else is ignored.
    if any(a.account_id == chosen for a in accesses):
        request.session[SESSION_KEY] = chosen
    next_url = local_url(request, request.POST.get("next", ""))
    return HttpResponseRedirect(next_url) if next_url else redirect("portal:dashboard")
