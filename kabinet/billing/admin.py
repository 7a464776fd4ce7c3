from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kabinet.billing import services
from kabinet.billing.models import (
    BillingRun,
    Correction,
    Invoice,
    InvoiceLine,
    KeyRate,
    LedgerEntry,
    Norm,
    Subscription,
    Tariff,
)
from kabinet.billing.summary_display import summary_estimated_rows, summary_method_rows, summary_service_rows
from kabinet.utility.office import office_view


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["service", "price", "vat_included", "vat_rate", "valid_from", "valid_to"]
    list_filter = ["service", "vat_included"]
    search_fields = ["service__code", "service__name_lv", "service__name_ru"]
    list_select_related = ["service"]


@admin.register(Norm)
class NormAdmin(admin.ModelAdmin):
    list_display = ["service", "per_resident", "valid_from", "valid_to"]
    list_filter = ["service"]
    search_fields = ["service__code"]
    list_select_related = ["service"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["account", "service", "valid_from", "valid_to"]
    list_filter = ["service"]
    search_fields = ["account__number"]
    list_select_related = ["account", "service"]
    raw_id_fields = ["account"]


@admin.register(KeyRate)
class KeyRateAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "rate"]


class PreviewForm(forms.Form):
    period = forms.DateField(label=_("Period (any day of the month)"), widget=forms.DateInput(attrs={"type": "date"}))
    account = forms.CharField(label=_("Only this account number"), required=False, max_length=20)

    def clean_account(self):
        from kabinet.customers.models import Account

        number = self.cleaned_data["account"].strip()
        if not number:
            return None
        account = Account.objects.filter(number=number).first()
        if account is None:
            raise forms.ValidationError(_("No account with this number."))
        return account


@admin.register(BillingRun)
class BillingRunAdmin(admin.ModelAdmin):
    """Staff control of the run: preview (one account or all), issue, publish, cancel.
    Every button calls a service; nothing here changes money by itself."""

    list_display = ["period", "status", "invoice_count", "total", "issued_on", "due_on", "created", "finished", "actor"]
    list_filter = ["status"]
    search_fields = ["period"]
    list_select_related = ["actor"]
    readonly_fields = [
        "period",
        "status",
        "issued_on",
        "due_on",
        "invoice_count",
        "total",
        "created",
        "finished",
        "published",
        "actor",
        "summary_table",
    ]
    exclude = ["summary"]
    actions = ["publish_runs", "cancel_runs"]
    change_list_template = "admin/billing/billingrun/change_list.html"

    def has_add_permission(self, request):
        return False  # runs are started from the preview page

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "preview/",
                office_view(self.admin_site, self.preview_view, perm="billing.view_billingrun"),
                name="billing_billingrun_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PreviewForm(request.POST or request.GET or None)
        preview = None
        if form.is_bound and form.is_valid():
            period = form.cleaned_data["period"].replace(day=1)
            account = form.cleaned_data["account"]
            if request.method == "POST" and "issue" in request.POST:
                if not request.user.has_perm("billing.change_billingrun"):
                    raise PermissionDenied
                try:
                    run = services.billing_run(period=period, actor=request.user)
                except services.ApplicationError as exc:
                    messages.error(request, exc.message)
                else:
                    if run.status == "running":
                        messages.info(
                            request,
                            _("The run for %(period)s has started; background workers are billing it.")
                            % {"period": f"{period:%m.%Y}"},
                        )
                        return redirect(reverse("admin:billing_billingrun_change", args=[run.pk]))
                    messages.success(
                        request,
                        _("Run for %(period)s: %(count)s draft invoices, %(total)s. Check them, then publish.")
                        % {"period": f"{period:%m.%Y}", "count": run.invoice_count, "total": run.total},
                    )
                    return redirect(reverse("admin:billing_billingrun_change", args=[run.pk]))
            preview = services.billing_preview(period=period, account=account)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Billing preview"),
            "opts": self.model._meta,
            "form": form,
            "preview": preview,
            "can_issue": request.user.has_perm("billing.change_billingrun"),
            "services_rows": summary_service_rows(preview.summary) if preview else [],
            "method_rows": summary_method_rows(preview.summary) if preview else [],
            "estimated_rows": summary_estimated_rows(preview.summary) if preview else [],
        }
        return TemplateResponse(request, "admin/billing/billingrun/preview.html", context)

    @admin.display(description=_("Totals per service and method"))
    def summary_table(self, run):
        if not run.summary:
            return "—"
        return render_to_string(
            "admin/billing/billingrun/summary_table.html",
            {"services_rows": summary_service_rows(run.summary), "method_rows": summary_method_rows(run.summary)},
        )

    @admin.action(description=_("Publish the selected runs (number and post the invoices)"), permissions=["change"])
    def publish_runs(self, request, queryset):
        for run in queryset:
            try:
                services.billing_run_publish(run=run, actor=request.user)
            except services.ApplicationError as exc:
                messages.error(request, f"{run}: {exc.message}")
            else:
                messages.success(request, _("%(run)s published.") % {"run": f"{run.period:%m.%Y}"})

    @admin.action(description=_("Cancel the selected runs (delete their drafts)"), permissions=["change"])
    def cancel_runs(self, request, queryset):
        for run in queryset:
            try:
                services.billing_run_cancel(run=run, actor=request.user)
            except services.ApplicationError as exc:
                messages.error(request, f"{run}: {exc.message}")
            else:
                messages.success(request, _("%(run)s cancelled.") % {"run": f"{run.period:%m.%Y}"})


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "service",
        "method",
        "description",
        "quantity",
        "unit",
        "price",
        "amount",
        "vat_rate",
        "vat",
        "total",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "account",
        "period",
        "issued_on",
        "due_on",
        "total",
        "amount_due",
        "status",
    ]
    list_filter = ["status", "period"]
    search_fields = [
        "number",
        "account__number",
        "account__customer__client_code",
        "account__customer__last_name",
    ]
    list_select_related = ["account"]
    raw_id_fields = ["account", "run"]
    date_hierarchy = "period"
    inlines = [InvoiceLineInline]
    # Published invoices are corrected in the next period, never edited.
    readonly_fields = [
        "account",
        "period",
        "run",
        "year",
        "seq",
        "number",
        "status",
        "issued_on",
        "due_on",
        "previous_balance",
        "payments_received",
        "total",
        "vat_total",
        "amount_due",
        "e_invoice",
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("e-invoice"))
    def e_invoice(self, invoice):
        # The UBL of an issued invoice (kabinet/exports; the download checks its permission).
        if not invoice.pk or not invoice.number:
            return "—"
        return format_html(
            '<a href="{}">UBL (Peppol BIS Billing 3.0)</a>', reverse("admin:exports_invoice_ubl", args=[invoice.pk])
        )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["posted_on", "account", "kind", "amount", "invoice", "description"]
    list_filter = ["kind", ("posted_on", admin.DateFieldListFilter)]
    search_fields = ["account__number", "description", "invoice__number"]
    list_select_related = ["account", "invoice"]
    raw_id_fields = ["account", "invoice"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Corrections of published invoices: added here, billed on the next invoice."""

    list_display = ["created", "account", "service", "quantity", "price", "vat_rate", "reason", "invoice", "actor"]
    list_filter = [("invoice", admin.EmptyFieldListFilter), "service"]
    search_fields = ["account__number", "reason"]
    list_select_related = ["account", "service", "invoice", "actor"]
    raw_id_fields = ["account"]
    fields = ["account", "service", "quantity", "price", "vat_rate", "reason"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            created = services.correction_add(
                account=obj.account,
                service=obj.service,
                quantity=obj.quantity,
                price=obj.price,
                vat_rate=obj.vat_rate,
                reason=obj.reason,
                actor=request.user,
            )
        except services.ApplicationError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = created.pk


from kabinet.billing import building_admin  # noqa: E402, F401 building meters and balances
