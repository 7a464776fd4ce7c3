"""The back office: automatic payments are read there (auditors: view only); staff can
stop a mandate, through the service. Cards show their mask only (there is no number)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kabinet.autopay.models import Attempt, Mandate, SavedMethod
from kabinet.autopay.services import mandate_stop


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(SavedMethod)
class SavedMethodAdmin(ReadOnlyAdmin):
    list_display = ["label", "user", "provider", "created"]
    list_select_related = ["user"]
    search_fields = ["user__email", "last4"]
    list_filter = ["provider"]
    # The provider's token charges the card: staff never need to see it.
    exclude = ["token"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "token"]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["invoice", "status", "amount", "tries", "next_try", "provider_payment_id", "failure"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Mandate)
class MandateAdmin(ReadOnlyAdmin):
    list_display = ["account", "user", "status", "mode", "day", "max_amount", "method", "created"]
    list_select_related = ["account", "user", "method"]
    list_filter = ["status", "mode"]
    search_fields = ["account__number", "user__email"]
    raw_id_fields = ["account", "user", "method", "setup_payment"]
    inlines = [AttemptInline]
    actions = ["stop"]

    @admin.action(description=_("Stop automatic payment"), permissions=["change"])
    def stop(self, request, queryset):
        stopped = 0
        for mandate in queryset:
            mandate_stop(mandate=mandate, actor=request.user, reason=str(_("Stopped by the utility")))
            stopped += 1
        messages.success(request, _("Stopped: %(count)s.") % {"count": stopped})


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "mandate", "status", "amount", "tries", "next_try", "updated"]
    list_select_related = ["invoice", "mandate__account"]
    list_filter = ["status"]
    search_fields = ["invoice__number", "mandate__account__number", "provider_payment_id"]
    raw_id_fields = ["mandate", "invoice", "online_payment"]
