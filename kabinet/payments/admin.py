from django.contrib import admin

from kabinet.payments.models import Payment


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "paid_on",
        "account",
        "amount",
        "channel",
        "status",
        "external_id",
        "payer_name",
        "match_reason",
    ]
    list_filter = ["channel", "status", ("paid_on", admin.DateFieldListFilter)]
    search_fields = ["account__number", "external_id", "payer_name", "payer_iban", "purpose"]
    list_select_related = ["account"]
    raw_id_fields = ["account", "invoice", "ledger_entry", "actor"]
    readonly_fields = ["amount", "status", "ledger_entry", "account", "channel", "external_id"]

    def has_delete_permission(self, request, obj=None):
        return False
