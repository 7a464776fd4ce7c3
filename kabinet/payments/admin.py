"""The back office for payments: statement upload → preview → post, the queue of
unmatched payments (assign / split / not ours, each with a reason), reversals, the
cashier with a printable receipt. Every change goes through a service."""

import secrets

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.billing.selectors import account_balance
from kabinet.customers.models import Account
from kabinet.lib.statements import StatementError
from kabinet.payments.forms import AssignForm, CashierForm, ReasonForm, SplitForm, StatementUploadForm
from kabinet.payments.matching import Outcome
from kabinet.payments.models import (
    OnlinePayment,
    Payment,
    PaymentStatus,
    RegistryLayout,
    StatementImport,
    StatementStatus,
)
from kabinet.payments.online import online_payment_refund
from kabinet.payments.services import (
    cashier_payment_register,
    payment_assign,
    payment_mark_not_ours,
    payment_reverse,
    payment_split,
    statement_discard,
    statement_parse,
    statement_post,
    statement_preview,
    statement_totals,
    statement_upload,
)
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.office import office_view

PREVIEW_ROWS = 1000


def POSTED_MESSAGE() -> str:  # noqa: N802 - reads like the constant message it is
    return _("Posted: %(matched)s registered, %(unmatched)s queued, %(dup)s already imported, %(rev)s reversed.")


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@admin.register(RegistryLayout)
class RegistryLayoutAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "encoding", "delimiter", "summary_prefix"]


@admin.register(StatementImport)
class StatementImportAdmin(admin.ModelAdmin):
    list_display = ["created", "file_name", "format", "status", "transactions", "matched", "unmatched", "duplicates"]
    list_filter = ["status", "format"]
    search_fields = ["file_name", "sha256"]
    exclude = ["content"]
    readonly_fields = [
        "created",
        "actor",
        "file_name",
        "sha256",
        "format",
        "layout",
        "status",
        "posted",
        "transactions",
        "matched",
        "unmatched",
        "duplicates",
        "reversals",
        "total",
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "upload/",
                office_view(self.admin_site, self.upload_view, perm="payments.add_statementimport"),
                name="payments_statement_upload",
            ),
            path(
                "<int:pk>/preview/",
                office_view(
                    self.admin_site,
                    self.preview_view,
                    perm="payments.view_statementimport",
                    post_perm="payments.change_statementimport",
                ),
                name="payments_statement_preview",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:payments_statement_upload")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        statement = get_object_or_404(StatementImport, pk=object_id)
        if statement.status == StatementStatus.PREVIEW:
            return redirect("admin:payments_statement_preview", statement.pk)
        return super().change_view(request, object_id, form_url, extra_context)

    def upload_view(self, request):
        _require(request, "payments.add_statementimport")
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                statement = statement_upload(
                    data=upload.read(),
                    file_name=upload.name,
                    fmt=form.cleaned_data["format"],
                    layout=form.cleaned_data["layout"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("admin:payments_statement_preview", statement.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a bank statement"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/statement_upload.html", context)

    def preview_view(self, request, pk):
        statement = get_object_or_404(StatementImport, pk=pk)
        if request.method == "POST":
            _require(request, "payments.change_statementimport")
            try:
                if request.POST.get("action") == "post":
                    statement = statement_post(statement=statement, actor=request.user)
                    messages.success(
                        request,
                        POSTED_MESSAGE()
                        % {
                            "matched": statement.matched,
                            "unmatched": statement.unmatched,
                            "dup": statement.duplicates,
                            "rev": statement.reversals,
                        },
                    )
                elif request.POST.get("action") == "discard":
                    statement_discard(statement=statement, actor=request.user)
                    messages.info(request, _("The statement was discarded; nothing was posted."))
            except ApplicationError as exc:
                messages.error(request, exc.message)
            return redirect("admin:payments_statementimport_changelist")
        rows = statement_preview(statement) if statement.status == StatementStatus.PREVIEW else []
        default_currency = UtilityProfile.get().currency
        try:
            transactions = [r.tx for r in rows] if rows else statement_parse(statement)
        except StatementError:
            transactions = []
        # The file's own currency: a statement of a USD account is not in the utility's EUR.
        totals = statement_totals(transactions, default_currency=default_currency)
        file_currencies = sorted({tx.currency or default_currency for tx in transactions}) or [default_currency]
        counts = {
            outcome: 0 for outcome in vars(Outcome).values() if isinstance(outcome, str) and not outcome.startswith("_")
        }
        for row in rows:
            counts[row.outcome] = counts.get(row.outcome, 0) + 1
        # Problems first, so staff see them even in a long file.
        order = {Outcome.UNMATCHED: 0, Outcome.REVERSAL_ORPHAN: 1, Outcome.REVERSAL: 2, Outcome.NEW: 3}
        shown = sorted(rows, key=lambda r: order.get(r.outcome, 4))[:PREVIEW_ROWS]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview: %(file)s") % {"file": statement.file_name},
            "statement": statement,
            "rows": shown,
            "hidden": max(len(rows) - PREVIEW_ROWS, 0),
            "counts": counts,
            "currency": ", ".join(file_currencies),
            "totals": totals,
            "opts": self.model._meta,
            "can_post": request.user.has_perm("payments.change_statementimport"),
        }
        return TemplateResponse(request, "admin/payments/statement_preview.html", context)


class QueueFilter(admin.SimpleListFilter):
    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("1", gettext_lazy("Waiting for assignment"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(status=PaymentStatus.UNMATCHED)
        return queryset


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "paid_on",
        "account",
        "amount",
        "channel",
        "status",
        "payer_name",
        "match_reason",
        "resolve_link",
    ]
    list_filter = [QueueFilter, "status", "channel", ("paid_on", admin.DateFieldListFilter)]
    search_fields = ["account__number", "external_id", "payer_name", "payer_iban", "purpose", "end_to_end_id"]
    list_select_related = ["account"]
    raw_id_fields = ["account", "invoice", "ledger_entry", "reversal_entry", "actor", "statement", "parent"]
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False  # payments come from statements, providers and the cashier page

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("action"))
    def resolve_link(self, obj):
        if obj.status in (PaymentStatus.UNMATCHED, PaymentStatus.REGISTERED):
            label = _("Resolve") if obj.status == PaymentStatus.UNMATCHED else _("Reverse")
            return format_html('<a href="{}">{}</a>', reverse("admin:payments_payment_resolve", args=[obj.pk]), label)
        return ""

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "cashier_url": reverse("admin:payments_cashier")}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "cashier/",
                office_view(self.admin_site, self.cashier_view, perm="payments.change_payment"),
                name="payments_cashier",
            ),
            path(
                "<int:pk>/resolve/",
                office_view(
                    self.admin_site,
                    self.resolve_view,
                    perm="payments.view_payment",
                    post_perm="payments.change_payment",
                ),
                name="payments_payment_resolve",
            ),
            path(
                "<int:pk>/receipt.pdf",
                office_view(self.admin_site, self.receipt_view, perm="payments.view_payment"),
                name="payments_receipt",
            ),
            *super().get_urls(),
        ]

    def resolve_view(self, request, pk):
        _require(request, "payments.view_payment")
        payment = get_object_or_404(Payment.objects.select_related("account", "statement"), pk=pk)
        forms = {
            "assign": AssignForm(prefix="assign"),
            "split": SplitForm(prefix="split"),
            "not_ours": ReasonForm(prefix="not_ours"),
            "reverse": ReasonForm(prefix="reverse"),
        }
        if request.method == "POST":
            _require(request, "payments.change_payment")
            action = request.POST.get("action", "")
            form_class = {"assign": AssignForm, "split": SplitForm, "not_ours": ReasonForm, "reverse": ReasonForm}.get(
                action
            )
            if form_class is not None:
                form = form_class(request.POST, prefix=action)
                forms[action] = form
                if form.is_valid():
                    data = form.cleaned_data
                    try:
                        if action == "assign":
                            payment_assign(
                                payment=payment, account=data["account"], reason=data["reason"], actor=request.user
                            )
                        elif action == "split":
                            payment_split(
                                payment=payment, parts=data["parts"], reason=data["reason"], actor=request.user
                            )
                        elif action == "not_ours":
                            payment_mark_not_ours(payment=payment, reason=data["reason"], actor=request.user)
                        else:
                            payment_reverse(payment=payment, reason=data["reason"], actor=request.user)
                    except ApplicationError as exc:
                        form.add_error(None, exc.message)
                    else:
                        messages.success(request, _("Done."))
                        return redirect(reverse("admin:payments_payment_changelist") + "?queue=1")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Payment of %(amount)s on %(date)s") % {"amount": payment.amount, "date": payment.paid_on},
            "payment": payment,
            "forms": forms,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/payment_resolve.html", context)

    def cashier_view(self, request):
        _require(request, "payments.change_payment")
        form = CashierForm(request.POST or None, initial=_cashier_initial(request.GET.get("account", "")))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payment = cashier_payment_register(
                    account=data["account"],
                    amount=data["amount"],
                    method=data["method"],
                    invoice=data["invoice"],
                    payer_name=data["payer_name"],
                    request_token=data["token"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    format_html(
                        '{} <a href="{}" target="_blank">{}</a>',
                        _("Payment %(number)s registered.") % {"number": payment.external_id},
                        reverse("admin:payments_receipt", args=[payment.pk]),
                        _("Print the receipt"),
                    ),
                )
                return redirect("admin:payments_cashier")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cashier: register a payment"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/cashier.html", context)

    def receipt_view(self, request, pk):
        _require(request, "payments.view_payment")
        payment = get_object_or_404(
            Payment.objects.select_related("account__customer", "account__premises__building", "invoice", "actor"),
            pk=pk,
            channel="cashier",
        )
        html = render_to_string(
            "payments/cashier_receipt.html", {"payment": payment, "utility": UtilityProfile.get()}, request=request
        )
        from weasyprint import HTML

        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="receipt-{payment.external_id}.pdf"'
        return response


def _cashier_initial(number: str) -> dict:
    """The form as the 360° page opens it (?account=<number>): the account, its payer
    and what it owes today, so the cashier only checks the amount the customer hands over."""
    initial = {"token": secrets.token_urlsafe(16)}
    account = Account.objects.select_related("customer").filter(number=number.strip()).first() if number else None
    if account is not None:
        initial["account"] = account.number
        initial["payer_name"] = account.customer.display_name
        owed = account_balance(account.pk)
        if owed > 0:
            initial["amount"] = owed
    return initial


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(admin.ModelAdmin):
    list_display = ["created", "user", "provider", "amount", "currency", "status", "provider_payment_id"]
    list_filter = ["status", "provider"]
    search_fields = ["provider_payment_id", "user__email", "lines__account__number"]
    readonly_fields = [f.name for f in OnlinePayment._meta.fields]
    actions = ["refund"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Refund in full"), permissions=["change"])
    def refund(self, request, queryset):
        for online in queryset:
            try:
                online_payment_refund(online=online, actor=request.user)
            except ApplicationError as exc:
                messages.error(request, f"{online.pk}: {exc.message}")
            else:
                messages.success(request, _("Refunded %(amount)s.") % {"amount": online.amount})
