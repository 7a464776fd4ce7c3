from django.contrib import admin

from kabinet.notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The sent mail: in the demo this is where activation links and receipts are read."""

    list_display = ["created", "to", "subject", "kind", "language", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel", "language"]
    search_fields = ["to", "subject", "body_text"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False
