"""The bot's chats and its outbox in the back office.

Customer service answers "my phone is gone, someone has my chat": the chat list shows
which chats are linked to which login, and unlinking one stops it at once (the next
message it sends gets the format help only). The outbox shows messages the Bot API
refused; an administrator sends the failed ones again once the cause is fixed (a bot
token rotated, Telegram down for hours)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.telegram.models import OutgoingMessage, OutgoingStatus, TelegramChat
from kabinet.telegram.services import chat_unlink, outgoing_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(TelegramChat)
class TelegramChatAdmin(ReadOnlyAdmin):
    list_display = ["chat_id", "user", "language", "linked_at", "created"]
    list_filter = [("user", admin.EmptyFieldListFilter), "language"]
    search_fields = ["=chat_id", "user__username", "user__email", "user__customer__accounts__number"]
    list_select_related = ["user"]
    exclude = ["state"]
    actions = ["unlink"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "state"]

    @admin.action(description=_("Unlink the selected chats from their logins"), permissions=["change"])
    def unlink(self, request, queryset):
        chats = list(queryset.filter(user__isnull=False))
        for chat in chats:
            chat_unlink(chat=chat, actor=request.user)
        self.message_user(
            request,
            ngettext("%(n)d chat unlinked.", "%(n)d chats unlinked.", len(chats)) % {"n": len(chats)},
            messages.SUCCESS,
        )


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(ReadOnlyAdmin):
    list_display = ["created", "chat_id", "status", "attempts", "next_attempt_at", "sent_at", "error"]
    list_filter = ["status"]
    search_fields = ["=chat_id"]
    exclude = ["document"]
    date_hierarchy = "created"
    actions = ["send_again"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "document"]

    @admin.display(description=_("last error"))
    def error(self, obj):
        return obj.last_error[:120]

    @admin.action(description=_("Send the selected failed messages again"), permissions=["change"])
    def send_again(self, request, queryset):
        n = outgoing_retry(ids=list(queryset.filter(status=OutgoingStatus.FAILED).values_list("id", flat=True)))
        self.message_user(
            request,
            ngettext("%(n)d message will be sent again.", "%(n)d messages will be sent again.", n) % {"n": n},
            messages.SUCCESS,
        )
