from django.contrib import admin

from kabinet.billing.models import (
    BillingRun,
    Invoice,
    InvoiceLine,
    KeyRate,
    LedgerEntry,
    Norm,
    Subscription,
    Tariff,
)


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["service", "price", "vat_rate", "valid_from", "valid_to"]
    list_filter = ["service"]
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


@admin.register(BillingRun)
class BillingRunAdmin(admin.ModelAdmin):
    list_display = ["period", "status", "invoice_count", "total", "created", "finished", "actor"]
    list_filter = ["status"]
    search_fields = ["period"]
    list_select_related = ["actor"]
    readonly_fields = [
        "status",
        "invoice_count",
        "total",
        "created",
        "finished",
        "published",
        "actor",
    ]


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
    ]

    def has_delete_permission(self, request, obj=None):
        return False


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
