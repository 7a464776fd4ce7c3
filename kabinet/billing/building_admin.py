"""The back office for building meters: meters and their readings, the balances per
period with their shares, a "mark reviewed" action and the "compute" page. Every button
calls a service of kabinet.billing.building."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.billing import building
from kabinet.billing.models import BuildingBalance, BuildingMeter, BuildingReading, BuildingShare
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.office import office_view


@admin.register(BuildingMeter)
class BuildingMeterAdmin(admin.ModelAdmin):
    list_display = ["serial_number", "building", "service", "installed_on", "removed_on", "common_area"]
    list_filter = ["service"]
    search_fields = ["serial_number", "building__street", "building__house"]
    list_select_related = ["building", "service"]
    raw_id_fields = ["building"]


@admin.register(BuildingReading)
class BuildingReadingAdmin(admin.ModelAdmin):
    list_display = ["meter", "period", "value", "created", "actor"]
    list_filter = ["period"]
    search_fields = ["meter__serial_number", "meter__building__street"]
    list_select_related = ["meter__building", "actor"]
    raw_id_fields = ["meter"]

    def save_model(self, request, obj, form, change):
        obj.actor = request.user  # who entered the building's reading
        obj.period = obj.period.replace(day=1)  # a period is its month's first day
        super().save_model(request, obj, form, change)


class BuildingShareInline(admin.TabularInline):
    model = BuildingShare
    extra = 0
    can_delete = False
    fields = ["premises", "account", "volume", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ComputeForm(forms.Form):
    period = forms.DateField(label=_("Period (any day of the month)"), widget=forms.DateInput(attrs={"type": "date"}))


@admin.register(BuildingBalance)
class BuildingBalanceAdmin(admin.ModelAdmin):
    """In (the building meter), out (the apartments), the difference and what was
    distributed, per building, service and period; reviewed before billing publishes."""

    list_display = [
        "building",
        "service",
        "period",
        "building_volume",
        "apartments_volume",
        "difference",
        "distributed",
        "flag",
        "status",
        "reviewed_by",
    ]
    list_filter = ["status", "flag", "period", "service"]
    search_fields = ["building__street", "building__house"]
    list_select_related = ["building", "service", "reviewed_by"]
    readonly_fields = [
        "building",
        "service",
        "period",
        "rule",
        "building_volume",
        "apartments_volume",
        "difference",
        "distributed",
        "flag",
        "status",
        "computed",
        "reviewed_by",
        "reviewed_at",
    ]
    inlines = [BuildingShareInline]
    actions = ["mark_reviewed"]
    change_list_template = "admin/billing/buildingbalance/change_list.html"

    def has_add_permission(self, request):
        return False  # computed by the service, never typed in

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "compute/",
                office_view(
                    self.admin_site,
                    self.compute_view,
                    perm="billing.view_buildingbalance",
                    post_perm="billing.change_buildingbalance",
                ),
                name="billing_buildingbalance_compute",
            ),
            *super().get_urls(),
        ]

    def compute_view(self, request):
        form = ComputeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            period = form.cleaned_data["period"].replace(day=1)
            try:
                done = building.building_balances_compute(period=period, actor=request.user)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s building balance computed for %(period)s.",
                        "%(count)s building balances computed for %(period)s.",
                        len(done),
                    )
                    % {"period": f"{period:%m.%Y}", "count": len(done)},
                )
                return redirect(reverse("admin:billing_buildingbalance_changelist") + f"?period={period:%Y-%m-%d}")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compute building balances"),
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, "admin/billing/buildingbalance/compute.html", context)

    @admin.action(description=_("Mark the selected building balances reviewed"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        for balance in queryset:
            try:
                building.building_balance_review(balance=balance, actor=request.user)
            except ApplicationError as exc:
                messages.error(request, f"{balance}: {exc.message}")
            else:
                messages.success(request, _("%(balance)s reviewed.") % {"balance": balance})
