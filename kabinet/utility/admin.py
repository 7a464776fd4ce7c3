import json

from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kabinet.utility.event_kinds import event_kind_label
from kabinet.utility.models import Event, Service, UtilityProfile


@admin.register(UtilityProfile)
class UtilityProfileAdmin(admin.ModelAdmin):
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "short_name",
                    "legal_name",
                    "registration_number",
                    "vat_number",
                    "inn",
                    "kpp",
                ]
            },
        ),
        (_("Bank"), {"fields": ["bank_name", "iban", "bic", "bank_account", "correspondent_account"]}),
        (
            _("Contacts"),
            {
                "fields": [
                    "address",
                    "email",
                    "website",
                    "phone_emergency",
                    "phone_reception",
                    "phone_readings",
                    "opening_hours_lv",
                    "opening_hours_ru",
                    "opening_hours_en",
                ]
            },
        ),
        (_("Money and languages"), {"fields": ["currency", "languages"]}),
        (
            _("Readings"),
            {
                "fields": [
                    "reading_window_first_day",
                    "reading_window_last_day",
                    "leak_factor",
                    "readings_email",
                    "readings_sms_number",
                ]
            },
        ),
        (_("Billing"), {"fields": ["invoice_day", "payment_due_day", "scheduled_billing"]}),
        (_("Access"), {"fields": ["registration_mode", "registration_proof", "reset_by_account_and_phone"]}),
        (
            _("Missing readings"),
            {
                "fields": [
                    "average_enabled",
                    "average_history_months",
                    "average_min_months",
                    "average_max_periods",
                    "average_max_periods_failed",
                    "norm_coefficient_failed",
                ]
            },
        ),
        (
            _("Penalties"),
            {
                "fields": [
                    "penalty_policy",
                    "penalty_grace_days",
                    "penalty_daily_percent",
                    "penalty_cap_percent",
                    "penalty_payment_lag_days",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return not UtilityProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_lv",
        "name_ru",
        "name_en",
        "unit",
        "basis",
        "vat_rate",
        "reading_decimals",
        "active",
    ]
    list_filter = ["basis", "unit", "active"]
    search_fields = ["code", "name_lv", "name_ru", "name_en"]
    filter_horizontal = ["volume_of"]


class SecurityEventFilter(admin.SimpleListFilter):
    """Registration, activation, logins, passwords, e-mail and access: the security trail."""

    title = _("area")
    parameter_name = "area"
    PREFIXES = {
        "security": (
            "login.",
            "registration.",
            "activation.",
            "user.",
            "password.",
            "email.",
            "access.",
            "invitation.",
            "application.",
            "premises.",
        ),
        "logins": ("login.",),
    }

    def lookups(self, request, model_admin):
        return [("security", _("Security and access")), ("logins", _("Logins"))]

    def queryset(self, request, queryset):
        prefixes = self.PREFIXES.get(self.value() or "")
        if not prefixes:
            return queryset
        condition = Q()
        for prefix in prefixes:
            condition |= Q(kind__startswith=prefix)
        return queryset.filter(condition)


class EventKindFilter(admin.SimpleListFilter):
    """The kinds that occur, worded (one DISTINCT query)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = model_admin.get_queryset(request).order_by().values_list("kind", flat=True).distinct()
        return sorted(((kind, event_kind_label(kind)) for kind in kinds), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created", "kind_label", "actor", "object_type", "object_id", "ip", "message"]
    list_filter = [
        SecurityEventFilter,
        EventKindFilter,
        "object_type",
        ("created", admin.DateFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["kind", "object_id", "message", "actor__username", "actor__email", "ip"]
    list_select_related = ["actor"]
    date_hierarchy = "created"
    fields = ["created", "kind_label", "actor", "object_type", "object_id", "ip", "message", "data_shown"]
    readonly_fields = fields

    @admin.display(description=_("what happened"), ordering="kind")
    def kind_label(self, event):
        return event_kind_label(event.kind)

    @admin.display(description=_("details"))
    def data_shown(self, event):
        # The record as written, for an auditor: shown as the data it is.
        return format_html("<pre>{}</pre>", json.dumps(event.data, ensure_ascii=False, indent=2)) if event.data else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
