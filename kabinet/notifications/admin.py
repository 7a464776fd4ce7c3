from django.contrib import admin

from kabinet.notifications.models import OutboxMessage

# The secrets a message carries until it is sent: never shown (kabinet.notifications.secrets).
HIDDEN = {"secret_values"}


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The sent mail. Links and codes that open an account show as [hidden-N]."""

    list_display = ["created", "to", "subject", "kind", "language", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel", "language"]
    search_fields = ["to", "subject", "body_text"]
    list_select_related = ["user"]
    fields = [f.name for f in OutboxMessage._meta.fields if f.name not in HIDDEN and f.name != "id"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
