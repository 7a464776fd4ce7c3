from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import User
from kabinet.reception.models import Message, Reply
from kabinet.reception.services import reception_assign, reception_close, reception_reply
from kabinet.utility.exceptions import ApplicationError


class ReplyInline(admin.TabularInline):
    model = Reply
    extra = 0
    can_delete = False
    fields = ["created", "author", "from_staff", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class MessageWorkForm(forms.ModelForm):
    reply = forms.CharField(label=_("reply (e-mailed to the sender)"), required=False, widget=forms.Textarea)
    assignee = forms.ModelChoiceField(
        label=_("assigned to"), queryset=User.objects.filter(is_staff=True, is_active=True), required=False
    )

    class Meta:
        model = Message
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["assignee"].initial = self.instance.assigned_to_id


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    form = MessageWorkForm
    list_display = ["number", "created", "kind", "subject", "name", "email", "status", "assigned_to"]
    list_filter = ["status", "kind", "assigned_to"]
    search_fields = ["=id", "subject", "text", "name", "email"]
    list_select_related = ["assigned_to"]
    date_hierarchy = "created"
    inlines = [ReplyInline]
    readonly_fields = [
        "kind",
        "name",
        "email",
        "phone",
        "subject",
        "text",
        "user",
        "customer_id",
        "status",
        "assigned_to",
        "created",
        "ip",
    ]
    fieldsets = [
        (None, {"fields": readonly_fields}),
        (_("Answer"), {"fields": ["assignee", "reply"]}),
    ]
    actions = ["close"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if "assignee" in form.changed_data:
                    reception_assign(message=obj, staff=data.get("assignee"), actor=request.user)
                if data.get("reply"):
                    reception_reply(message=obj, author=request.user, text=data["reply"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        obj.refresh_from_db()

    @admin.action(description=_("Close the selected conversations"), permissions=["change"])
    def close(self, request, queryset):
        for message in queryset:
            try:
                reception_close(message=message, actor=request.user)
            except ApplicationError as exc:
                messages.warning(request, f"{message.number}: {exc.message}")
