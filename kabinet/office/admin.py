"""The staff's authenticator apps in the back office: who has one, and removing a lost one.
The secret itself is never shown here (only to its login while setting it up)."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from kabinet.office.models import Authenticator

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)  # django-otp's own shows the secret and its QR code


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # each login sets its own up at its second step

    def has_change_permission(self, request, obj=None):
        return False
