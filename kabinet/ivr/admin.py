"""The back office: the answering machine's calls of the last day, read only. The hotline
and the meter engineer look up "I called and it did not take my reading": who called,
which account was keyed, each reading given with the door's answer, how the call ended.
The dialogue's state and the turn said are not shown (they hold nothing more for staff)."""

from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from kabinet.ivr.models import CallSession

LINE_BREAK = mark_safe("<br>")  # nosec B308  # a constant tag, no data in it


@admin.register(CallSession)
class CallSessionAdmin(admin.ModelAdmin):
    list_display = ["created", "caller_phone", "account_number", "language", "reading_count", "ended", "provider"]
    list_filter = ["ended", "provider"]
    search_fields = ["caller_phone", "account_number"]
    date_hierarchy = "created"
    ordering = ["-created", "-id"]
    fields = [
        "created",
        "updated",
        "provider",
        "call_id",
        "caller_phone",
        "language",
        "account_number",
        "step",
        "ended",
        "readings_given",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(reading_total=Count("readings"))

    @admin.display(description=_("readings given"), ordering="reading_total")
    def reading_count(self, obj):
        return obj.reading_total

    @admin.display(description=_("readings given"))
    def readings_given(self, obj):
        readings = obj.readings.select_related("meter").order_by("id")
        return format_html_join(
            LINE_BREAK,
            "{} “{}”: {}{}",
            (
                (
                    r.meter.serial_number,
                    r.entered_value,
                    r.get_status_display(),
                    f" ({r.reason_text})" if r.reason_text else "",
                )
                for r in readings
            ),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
