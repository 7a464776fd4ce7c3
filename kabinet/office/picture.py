"""The customer's whole picture (360°): one read-only back-office page with everything about
a customer, and the search that finds the customer by any of the numbers a caller gives.

customer_picture() reads each section with one query whatever the customer's history
(the latest rows of long lists), and only the sections the staff member may see: the view
permission of the section's model. What is paid and due is payments.account_dues(), the
one answer every page gives. The page changes nothing: it links to the pages that do.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kabinet.billing.models import Invoice
from kabinet.customers.models import Account, AccountAccess, Customer, Invitation, User
from kabinet.meters.models import Meter
from kabinet.meters.selectors import with_last_reading
from kabinet.notifications.models import OutboxMessage
from kabinet.payments.models import Payment
from kabinet.payments.selectors import ZERO, account_dues, invoice_dues
from kabinet.reception.models import Message
from kabinet.servicedesk.models import ServiceRequest
from kabinet.utility.models import Event

# How many of the latest rows a long section shows (the changelist linked has the rest).
LATEST = {"invoices": 24, "payments": 30, "requests": 20, "messages": 20, "outbox": 30, "events": 50}

# --- the search --------------------------------------------------------------------------


def customers_find(query: str, *, limit: int = 50) -> QuerySet[Customer]:
    """Customers matching what a caller says: an account number, client code or meter
    serial exactly; an e-mail or phone; or words of the name and address (each word must
    match one of them)."""
    query = " ".join(query.split())
    if not query:
        return Customer.objects.none()
    exact = (
        Q(client_code=query)
        | Q(accounts__number=query)
        | Q(accounts__premises__meters__serial_number__iexact=query)
        | Q(email__iexact=query)
        | Q(users__email__iexact=query)
    )
    digits = "".join(c for c in query if c.isdigit())
    if len(digits) >= 7:  # a phone number, with or without the country code
        exact |= Q(phone__contains=digits[-7:])
    words = Q()
    for word in query.split():
        words &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(organisation_name__icontains=word)
            | Q(accounts__premises__building__street__icontains=word)
            | Q(accounts__premises__building__house__iexact=word)
            | Q(accounts__premises__apartment__iexact=word)
            | Q(accounts__premises__building__city__iexact=word)
        )
    ids = Customer.objects.filter(exact | words).values("pk")
    return Customer.objects.filter(pk__in=ids).order_by("client_code")[:limit]


# --- the picture -------------------------------------------------------------------------


@dataclass
class Picture:
    customer: Customer
    today: dt.date
    sections: set[str] = field(default_factory=set)
    accounts: list[Account] = field(default_factory=list)
    logins: list[User] = field(default_factory=list)
    accesses: list[AccountAccess] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    meters: list[Meter] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list = field(default_factory=list)
    requests: list[ServiceRequest] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    dues: dict = field(default_factory=dict)


SECTION_PERMS = {
    "accounts": "customers.view_account",
    "logins": "customers.view_customer",
    "accesses": "customers.view_accountaccess",
    "invitations": "customers.view_invitation",
    "meters": "meters.view_meter",
    "invoices": "billing.view_invoice",
    "payments": "payments.view_payment",
    "requests": "servicedesk.view_servicerequest",
    "messages": "reception.view_message",
    "outbox": "notifications.view_outboxmessage",
    "events": "utility.view_event",
}


def customer_picture(customer: Customer, *, user, today: dt.date | None = None) -> Picture:
    """Everything about `customer` that `user` may see: one query a section."""
    today = today or timezone.localdate()
    pic = Picture(customer, today, {name for name, perm in SECTION_PERMS.items() if user.has_perm(perm)})
    # The accounts are read for every section: the others hang on them.
    accounts = Account.objects.filter(customer=customer).select_related("premises__building").order_by("number")
    pic.accounts = sorted(accounts, key=lambda a: a.closed_on is not None)  # open ones first
    account_ids = [a.pk for a in pic.accounts]
    premises_ids = {a.premises_id for a in pic.accounts}
    if "logins" in pic.sections:
        pic.logins = list(User.objects.filter(customer=customer).order_by("id"))
    if "accesses" in pic.sections:
        pic.accesses = list(
            AccountAccess.objects.filter(account_id__in=account_ids)
            .select_related("user", "account")
            .order_by("account__number", "role", "id")
        )
    if "invitations" in pic.sections:
        pic.invitations = list(
            Invitation.objects.filter(account_id__in=account_ids, accepted_at__isnull=True, revoked_at__isnull=True)
            .select_related("account")
            .order_by("-created")
        )
    if "meters" in pic.sections:
        pic.meters = list(
            with_last_reading(Meter.objects.filter(premises_id__in=premises_ids))
            .select_related("service", "premises__building")
            .order_by("premises_id", "status", "service__sort_order", "serial_number")
        )
        for meter in pic.meters:
            meter.expired = meter.verification_expired(today)
            meter.due_soon = not meter.expired and meter.verification_due_soon(today)
    if "invoices" in pic.sections or "payments" in pic.sections:
        pic.dues = account_dues(account_ids, today)
        for account in pic.accounts:
            account.dues = pic.dues[account.pk]
    if "invoices" in pic.sections:
        invoices = list(
            Invoice.objects.filter(account_id__in=account_ids)
            .select_related("account")
            .order_by("-period", "-id")[: LATEST["invoices"]]
        )
        for invoice in invoices:
            invoice_dues([invoice], pic.dues[invoice.account_id])
        pic.invoices = invoices
    if "payments" in pic.sections:
        numbers = {i: row.number for dues in pic.dues.values() for i, row in dues.invoices.items()}
        pic.payments = list(
            Payment.objects.filter(account_id__in=account_ids)
            .select_related("account", "statement")
            .order_by("-paid_on", "-id")[: LATEST["payments"]]
        )
        for payment in pic.payments:
            went = pic.dues[payment.account_id].paid_by.get(payment.pk, [])
            payment.went_to = [(numbers.get(invoice_id) or f"#{invoice_id}", amount) for invoice_id, amount in went]
            # The rest covered a debit that is no invoice's (an opening balance) or is credit.
            payment.unapplied = payment.amount - sum((amount for _i, amount in went), ZERO)
    if "requests" in pic.sections:
        pic.requests = list(
            ServiceRequest.objects.filter(account_id__in=account_ids)
            .select_related("category", "premises__building")
            .order_by("-created", "-id")[: LATEST["requests"]]
        )
    login_ids = [u.pk for u in pic.logins] if "logins" in pic.sections else None
    if "messages" in pic.sections:
        by_login = Q(user__customer=customer) if login_ids is None else Q(user_id__in=login_ids)
        pic.messages = list(
            Message.objects.filter(Q(customer_id=customer.pk) | by_login).order_by("-created", "-id")[
                : LATEST["messages"]
            ]
        )
    if "outbox" in pic.sections:
        pic.outbox = list(
            OutboxMessage.objects.filter(customer_id=customer.pk)
            .only("created", "channel", "kind", "to", "subject", "status", "attempts", "sent_at", "last_error")
            .order_by("-created", "-id")[: LATEST["outbox"]]
        )
    if "events" in pic.sections:
        pic.events = list(
            Event.objects.filter(_events_q(customer, pic, login_ids))
            .select_related("actor")
            .order_by("-created", "-id")[: LATEST["events"]]
        )
    return pic


def _events_q(customer: Customer, pic: Picture, login_ids: list[int] | None) -> Q:
    """The customer's own events and those of the objects on the page: accounts, logins
    (as the object and as the actor), payments, requests, messages."""

    def about(label: str, ids) -> Q:
        ids = [str(i) for i in ids]
        return Q(object_type=label, object_id__in=ids) if ids else Q(pk__in=[])

    if login_ids is None:
        login_ids = list(User.objects.filter(customer=customer).values_list("pk", flat=True))
    return (
        Q(object_type="customers.customer", object_id=str(customer.pk))
        | about("customers.account", [a.pk for a in pic.accounts])
        | about("customers.user", login_ids)
        | Q(actor_id__in=login_ids)
        | about("payments.payment", [p.pk for p in pic.payments])
        | about("servicedesk.servicerequest", [r.pk for r in pic.requests])
        | about("reception.message", [m.pk for m in pic.messages])
    )


def actions(customer: Customer, pic: Picture, user) -> list[tuple[str, str]]:
    """(label, url) of the pages staff act on the customer from, the ones `user` may open."""
    out = []
    open_accounts = [a for a in pic.accounts if a.closed_on is None]
    if user.has_perm("meters.add_reading"):
        hotline = reverse("admin:meters_hotline")
        for account in open_accounts:
            label = _("Enter readings for account %(number)s") % {"number": account.number}
            out.append((label, f"{hotline}?q={account.number}&account={account.pk}"))
    if user.has_perm("payments.change_payment"):
        cashier = reverse("admin:payments_cashier")
        for account in open_accounts:
            label = _("Register a payment at the cashier for account %(number)s") % {"number": account.number}
            out.append((label, f"{cashier}?account={account.number}"))
    if user.has_perm("servicedesk.add_servicerequest"):
        for account in open_accounts:
            label = _("File a service request for account %(number)s") % {"number": account.number}
            out.append((label, reverse("admin:servicedesk_servicerequest_file", args=[account.pk])))
    if user.has_perm("customers.change_customer"):
        out.append((_("Open portal access (invitation or code letter)…"), _open_access(customer)))
        out.append((_("Edit the customer"), reverse("admin:customers_customer_change", args=[customer.pk])))
    return out


def _open_access(customer: Customer) -> str:
    return reverse("admin:customers_customer_open_access", args=[customer.pk])


# --- the pages ---------------------------------------------------------------------------


def _context(request: HttpRequest, title: str, **extra) -> dict:
    from django.contrib import admin

    return {
        **admin.site.each_context(request),
        "title": title,
        "opts": Customer._meta,
        "find_url": reverse("admin:customers_customer_find"),
        **extra,
    }


@require_GET
def customer_picture_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    pic = customer_picture(customer, user=request.user)
    return TemplateResponse(
        request,
        "admin/customers/customer/picture.html",
        _context(
            request,
            _("Customer %(customer)s") % {"customer": customer},
            original=customer,
            pic=pic,
            actions=actions(customer, pic, request.user),
            can_edit_readings=request.user.has_perm("meters.change_reading"),
        ),
    )


@require_GET
def customer_find_view(request: HttpRequest) -> HttpResponse:
    """Find a customer by what the caller says; one match opens the picture."""
    query = request.GET.get("q", "").strip()
    results = list(customers_find(query)) if query else []
    if len(results) == 1:
        return HttpResponseRedirect(reverse("admin:customers_customer_picture", args=[results[0].pk]))
    accounts: dict[int, list[Account]] = {}
    if results:
        rows = Account.objects.filter(customer_id__in=[c.pk for c in results]).select_related("premises__building")
        for account in rows.order_by("number"):
            accounts.setdefault(account.customer_id, []).append(account)
    for customer in results:
        customer.account_rows = accounts.get(customer.pk, [])
    return TemplateResponse(
        request,
        "admin/customers/customer/find.html",
        _context(request, _("Find a customer"), query=query, results=results),
    )
