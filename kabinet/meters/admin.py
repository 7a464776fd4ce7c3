from django.contrib import admin, messages
from django.db.models import Q
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.meters import admin_views
from kabinet.meters.inbound.parser import problem_texts
from kabinet.meters.inbound.services import inbound_message_handle
from kabinet.meters.models import (
    InboundMessage,
    InboundStatus,
    Meter,
    Reading,
    ReadingImport,
    ReadingPhoto,
    ReadingStatus,
)
from kabinet.meters.review import readings_review, to_review_q
from kabinet.meters.rules import reason_label
from kabinet.utility.office import office_view

LINE_BREAK = mark_safe("<br>")  # nosec B308  # a constant tag, no data in it


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
        "seal_number",
    ]
    list_filter = ["status", "service", ("verification_due", admin.DateFieldListFilter)]
    search_fields = ["serial_number", "model", "seal_number", "premises__building__street"]
    list_select_related = ["service", "premises__building"]
    raw_id_fields = ["premises", "replaced_by"]

    def get_urls(self):
        site = self.admin_site
        return [
            path("hotline/", office_view(site, admin_views.hotline, perm="meters.add_reading"), name="meters_hotline"),
            path("missing/", office_view(site, admin_views.missing, perm="meters.view_reading"), name="meters_missing"),
            *super().get_urls(),
        ]


class ToReviewFilter(admin.SimpleListFilter):
    title = gettext_lazy("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("todo", gettext_lazy("To review (flagged or rejected)")),
            ("leak", gettext_lazy("Possible leak")),
            ("done", gettext_lazy("Reviewed")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "todo":
            return queryset.filter(to_review_q())
        if self.value() == "leak":
            return queryset.filter(flag="leak", reviewed_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    list_display = [
        "meter",
        "period",
        "value",
        "entered_value",
        "photo",
        "consumption",
        "source",
        "status",
        "flag",
        "reason_label",
        "created",
        "correct_link",
    ]
    list_filter = [ToReviewFilter, "status", "source", "flag", "period"]
    search_fields = ["meter__serial_number", "meter__premises__accounts__number"]
    list_select_related = ["meter__service"]
    raw_id_fields = ["meter", "entered_by", "replaces", "reviewed_by", "batch"]
    date_hierarchy = "period"
    actions = ["mark_reviewed"]
    exclude = ["reason"]  # the code; staff read reason_label, in their own language
    readonly_fields = [
        "meter",
        "period",
        "value",
        "entered_value",
        "consumption",
        "taken_at",
        "status",
        "source",
        "reason_label",
        "reason_text",
        "entered_by",
        "replaces",
        "confirmed",
        "flag",
        "reviewed_at",
        "reviewed_by",
        "batch",
        "photo",
    ]

    def get_queryset(self, request):
        # The photos beside the values: one more query for the page, not one per row.
        return super().get_queryset(request).prefetch_related("photos")

    def has_add_permission(self, request):
        return False  # readings come in through reading_submit (the hotline page for staff)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:reading_id>/correct/",
                office_view(self.admin_site, admin_views.correct, perm="meters.change_reading"),
                name="meters_reading_correct",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("reason"), ordering="reason")
    def reason_label(self, obj):
        return reason_label(obj.reason)

    @admin.display(description=gettext_lazy("photo"))
    def photo(self, obj):
        """The customer's photo of the meter beside the value, and what was read from it."""
        return format_html_join(
            LINE_BREAK,
            '<a href="{0}" target="_blank" rel="noopener"><img src="{0}" alt="{1}" width="96" loading="lazy"></a>{2}',
            (
                (
                    reverse("admin:meters_readingphoto_image", args=[p.pk]),
                    _("photo of the meter"),
                    format_html("<br>{} {}", _("read from the photo:"), p.suggested_value) if p.suggested_value else "",
                )
                for p in obj.photos.all()
            ),
        )

    @admin.display(description=gettext_lazy("correct"))
    def correct_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:meters_reading_correct", args=[obj.pk]), _("correct"))

    @admin.action(description=gettext_lazy("Mark as reviewed"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        count = readings_review(readings=queryset.filter(Q(reviewed_at__isnull=True)), actor=request.user)
        self.message_user(request, _("%(count)d readings marked as reviewed.") % {"count": count}, messages.SUCCESS)


@admin.register(ReadingPhoto)
class ReadingPhotoAdmin(admin.ModelAdmin):
    """Photos of meters, with or without their reading (a photo whose reading was refused
    in a form stays here, unlinked)."""

    list_display = ["created", "meter", "picture", "suggested_value", "reading", "source"]
    list_filter = ["source", ("reading", admin.EmptyFieldListFilter)]
    list_select_related = ["meter__service", "reading"]
    search_fields = ["meter__serial_number", "meter__premises__accounts__number"]
    fields = ["picture", "meter", "reading", "uploaded_by", "source", "suggested_value", "size", "created"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:photo_id>/image/",
                office_view(self.admin_site, admin_views.reading_photo_image, perm="meters.view_reading"),
                name="meters_readingphoto_image",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("photo"))
    def picture(self, obj):
        url = reverse("admin:meters_readingphoto_image", args=[obj.pk])
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener"><img src="{0}" alt="{1}" width="160" loading="lazy"></a>',
            url,
            _("photo of the meter"),
        )


@admin.register(ReadingImport)
class ReadingImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "created", "actor", "rows", "accepted", "rejected"]
    list_select_related = ["actor"]
    readonly_fields = ["file_name", "created", "actor", "sha256", "rows", "accepted", "rejected"]
    search_fields = ["file_name", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "upload/",
                office_view(self.admin_site, admin_views.import_file, perm="meters.add_readingimport"),
                name="meters_readingimport_upload",
            ),
            *super().get_urls(),
        ]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received", "channel", "sender", "account_number", "status", "problems"]
    list_filter = ["status", "channel"]
    search_fields = ["sender", "account_number", "body", "subject"]
    readonly_fields = [
        "received",
        "channel",
        "external_id",
        "sender",
        "subject",
        "body",
        "status",
        "account_number",
        "problems",
        "readings",
        "refused_readings",
        "handled_by",
    ]
    actions = ["mark_handled"]

    # InboundMessage.error keeps codes ("unknown_serial: CW-2001"); staff read sentences.
    @admin.display(description=gettext_lazy("problem"))
    def problems(self, obj):
        texts = problem_texts(obj.error, obj.account_number)
        return format_html_join(LINE_BREAK, "{}", ((text,) for text in texts))

    @admin.display(description=gettext_lazy("refused readings"))
    def refused_readings(self, obj):
        refused = obj.readings.filter(status=ReadingStatus.REJECTED).select_related("meter")
        return format_html_join(
            LINE_BREAK,
            "{} “{}”: {}",
            ((r.meter.serial_number, r.entered_value, r.reason_text) for r in refused),
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Mark as handled"), permissions=["change"])
    def mark_handled(self, request, queryset):
        count = 0
        for message in queryset.filter(status=InboundStatus.UNPARSED):
            inbound_message_handle(message=message, actor=request.user)
            count += 1
        self.message_user(request, _("%(count)d messages marked as handled.") % {"count": count}, messages.SUCCESS)
