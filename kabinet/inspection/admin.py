"""The back office: routes planned and followed, and the review of flagged control checks
(accept as the billing reading, or dismiss), each through a service."""

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.inspection import admin_views, selectors, services
from kabinet.inspection.models import CheckStatus, ControlCheck, Route, RouteStop
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.office import office_view


class RouteStopInline(admin.TabularInline):
    model = RouteStop
    fields = ["order", "premises", "outcome", "visited_at", "note"]
    readonly_fields = ["outcome", "visited_at", "note"]
    raw_id_fields = ["premises"]
    extra = 0
    ordering = ["order", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("premises__building")


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "inspector", "status"]
    list_filter = ["status", "date"]
    list_select_related = ["inspector"]
    search_fields = ["name", "inspector__username", "inspector__last_name"]
    date_hierarchy = "date"
    fields = ["date", "name", "inspector", "status", "created_by", "created"]
    readonly_fields = ["created_by", "created"]
    inlines = [RouteStopInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "inspector":
            kwargs["queryset"] = selectors.inspectors()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path(
                "plan/",
                office_view(self.admin_site, admin_views.plan, perm="inspection.add_route"),
                name="inspection_route_plan",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = (
            {"plan_url": reverse("admin:inspection_route_plan")}
            if request.user.has_perm("inspection.add_route")
            else {}
        )
        return super().changelist_view(request, {**extra, **(extra_context or {})})


class CheckStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return CheckStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(ControlCheck)
class ControlCheckAdmin(admin.ModelAdmin):
    list_display = [
        "taken_at",
        "meter",
        "address",
        "value",
        "customer_value",
        "difference",
        "seal_intact",
        "damaged",
        "status",
        "photo_link",
    ]
    list_filter = [CheckStatusFilter, "seal_intact", "damaged"]
    list_select_related = ["meter__service", "stop__premises__building"]
    search_fields = ["meter__serial_number", "stop__premises__building__street"]
    actions = ["accept", "dismiss"]
    readonly_fields = [
        "stop",
        "meter",
        "inspector",
        "value",
        "seal_intact",
        "damaged",
        "note",
        "photo_link",
        "taken_at",
        "received",
        "client_uuid",
        "customer_value",
        "difference",
        "status",
        "reasons",
        "reviewed_at",
        "reviewed_by",
        "reading",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("address"))
    def address(self, obj):
        return obj.stop.premises.address

    @admin.display(description=gettext_lazy("photo"))
    def photo_link(self, obj):
        if not obj.photo:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:inspection_controlcheck_photo", args=[obj.pk]), _("photo")
        )

    def get_urls(self):
        return [
            path(
                "<int:check_id>/photo/",
                office_view(self.admin_site, admin_views.photo, perm="inspection.view_controlcheck"),
                name="inspection_controlcheck_photo",
            ),
            *super().get_urls(),
        ]

    def _review(self, request, queryset, service, done_text):
        done, refused = 0, []
        for check in queryset.filter(status=CheckStatus.FLAGGED).select_related("meter"):
            try:
                service(check=check, actor=request.user)
                done += 1
            except ApplicationError as exc:
                refused.append(f"{check.meter.serial_number}: {exc.message}")
        if done:
            self.message_user(request, done_text % {"count": done}, messages.SUCCESS)
        for text in refused:
            self.message_user(request, text, messages.ERROR)
        if not done and not refused:
            self.message_user(request, _("Only checks to review can be accepted or dismissed."), messages.WARNING)

    @admin.action(description=gettext_lazy("Accept as the billing reading"), permissions=["change"])
    def accept(self, request, queryset):
        self._review(request, queryset, services.check_accept, _("%(count)d control readings accepted for billing."))

    @admin.action(description=gettext_lazy("Dismiss"), permissions=["change"])
    def dismiss(self, request, queryset):
        self._review(request, queryset, services.check_dismiss, _("%(count)d checks dismissed."))
