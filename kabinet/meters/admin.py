from django.contrib import admin

from kabinet.meters.models import Meter, Reading


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = [
        "serial_number",
        "service",
        "premises",
        "location",
        "status",
        "verified_on",
        "verification_due",
    ]
    list_filter = ["status", "service", ("verification_due", admin.DateFieldListFilter)]
    search_fields = ["serial_number", "model", "seal_number", "premises__building__street"]
    list_select_related = ["service", "premises__building"]
    raw_id_fields = ["premises", "replaced_by"]


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    list_display = [
        "meter",
        "period",
        "value",
        "entered_value",
        "consumption",
        "source",
        "status",
        "reason",
        "created",
    ]
    list_filter = ["status", "source", "period"]
    search_fields = ["meter__serial_number", "meter__premises__accounts__number"]
    list_select_related = ["meter__service"]
    raw_id_fields = ["meter", "entered_by", "replaces"]
    date_hierarchy = "period"
    readonly_fields = [
        "value",
        "entered_value",
        "consumption",
        "status",
        "source",
        "reason",
        "entered_by",
        "replaces",
    ]

    def has_delete_permission(self, request, obj=None):
        return False
