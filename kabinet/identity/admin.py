"""Linked identities in the back office: customer service sees which provider a customer
signs in with and unlinks one (a lost bank login, or one the customer says is not theirs)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.identity.models import ExternalIdentity
from kabinet.identity.services import identity_unlink_by_staff


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "provider", "linked_at", "last_login_at"]
    list_filter = ["provider"]
    search_fields = ["user__username", "user__email", "user__customer__accounts__number", "=subject"]
    list_select_related = ["user"]
    readonly_fields = ["user", "provider", "issuer", "subject", "linked_at", "last_login_at"]
    actions = ["unlink"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # unlinking is recorded: the action below
        return actions

    @admin.action(description=_("Unlink the selected identities"), permissions=["delete"])
    def unlink(self, request, queryset):
        identities = list(queryset)
        for identity in identities:
            identity_unlink_by_staff(identity=identity, actor=request.user)
        self.message_user(
            request,
            ngettext("%(n)d identity unlinked.", "%(n)d identities unlinked.", len(identities))
            % {"n": len(identities)},
            messages.SUCCESS,
        )
