"""The back office's privacy work: the notice, corrections and erasures (decided through
the services, never by editing a status), and read-only exports and consent records."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kabinet.privacy.erasure import DECISIONS
from kabinet.privacy.models import (
    ConsentRecord,
    CorrectionRequest,
    DataExport,
    ErasureRequest,
    PrivacyPolicy,
    RequestStatus,
)
from kabinet.privacy.selectors import kept_records, privacy_policy
from kabinet.privacy.services import correction_decide, erasure_decide
from kabinet.utility.exceptions import ApplicationError


@admin.register(PrivacyPolicy)
class PrivacyPolicyAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["text_lv", "text_ru", "text_en"]}),
        (_("Who to contact"), {"fields": ["contact_lv", "contact_ru", "contact_en"]}),
        (
            _("Retention of accounting records"),
            {"fields": ["retention_years", "retention_basis_lv", "retention_basis_ru", "retention_basis_en"]},
        ),
    ]

    def has_add_permission(self, request):
        return request.user.has_perm("privacy.change_privacypolicy") and not PrivacyPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One notice: the list opens it (creating the row with its defaults the first time).
        if request.user.has_perm("privacy.change_privacypolicy") and not PrivacyPolicy.objects.exists():
            PrivacyPolicy.objects.create()
        if PrivacyPolicy.objects.exists():
            return HttpResponseRedirect(reverse("admin:privacy_privacypolicy_change", args=[1]))
        return super().changelist_view(request, extra_context)


class DecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("decision"),
        required=False,
        choices=[("", "—"), ("approve", _("Approve")), ("reject", _("Reject"))],
    )
    reply = forms.CharField(
        label=_("answer to the customer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a refusal; shown on the customer's privacy page."),
    )

    class Meta:
        fields = []


class DecidedAdmin(admin.ModelAdmin):
    """Shared by corrections and erasures: read-only rows decided with a form or actions."""

    form = DecisionForm
    decide = None  # the service: (request=, approve=, actor=, answer=)
    list_filter = ["status"]
    date_hierarchy = "created"
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        fields = [(None, {"fields": list(self.readonly_fields)})]
        if obj is not None and obj.status == RequestStatus.PENDING and self.has_change_permission(request, obj):
            fields.append((_("Decision"), {"fields": ["decision", "reply"]}))
        return fields

    def save_model(self, request, obj, form, change):
        choice = form.cleaned_data.get("decision")
        if not choice:
            return
        try:
            type(self).decide(
                request=obj, approve=choice == "approve", actor=request.user, answer=form.cleaned_data.get("reply", "")
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        obj.refresh_from_db()

    def _decide_all(self, request, queryset, *, approve: bool, answer: str = ""):
        done = 0
        for obj in queryset.filter(status=RequestStatus.PENDING):
            try:
                type(self).decide(request=obj, approve=approve, actor=request.user, answer=answer)
                done += 1
            except ApplicationError as exc:
                messages.warning(request, f"#{obj.pk}: {exc.message}")
        messages.success(request, _("Decided: %(n)d.") % {"n": done})

    @admin.action(description=_("Approve the selected requests"), permissions=["change"])
    def approve(self, request, queryset):
        self._decide_all(request, queryset, approve=True)

    @admin.action(description=_("Reject the selected requests (with the standard answer)"), permissions=["change"])
    def reject(self, request, queryset):
        self._decide_all(
            request,
            queryset,
            approve=False,
            answer=str(_("We could not confirm the change. Please contact us for the details.")),
        )


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(DecidedAdmin):
    decide = staticmethod(correction_decide)
    list_display = ["id", "created", "user", "account", "field", "new_value", "status", "decided_by"]
    list_select_related = ["user", "account", "decided_by"]
    search_fields = ["=id", "account__number", "user__email", "new_value"]
    readonly_fields = [
        "created",
        "user",
        "account",
        "field",
        "current_value",
        "new_value",
        "comment",
        "status",
        "answer",
        "decided_at",
        "decided_by",
    ]


@admin.register(ErasureRequest)
class ErasureRequestAdmin(DecidedAdmin):
    decide = staticmethod(erasure_decide)
    list_display = ["id", "created", "user", "status", "decided_at", "decided_by"]
    list_select_related = ["user", "decided_by"]
    search_fields = ["=id", "user__email", "user__username"]
    readonly_fields = ["created", "user", "status", "answer", "decided_at", "decided_by", "what_is_kept", "report"]

    @admin.display(description=_("what is kept, and until when"))
    def what_is_kept(self, obj):
        policy = privacy_policy()
        kept = ", ".join(f"{k.account.number}: {k.until:%d.%m.%Y}" for k in kept_records(obj.user, policy))
        tables = len(DECISIONS)
        return _("Invoices, payments and readings of the accounts (%(kept)s); %(tables)d tables decided.") % {
            "kept": kept or "—",
            "tables": tables,
        }


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    # The token and the file stay out of the back office: the copy is the customer's.
    list_display = ["id", "created", "user", "status", "size", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    fields = ["created", "user", "status", "size", "ready_at", "expires_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["created", "user", "kind", "given", "source"]
    list_filter = ["kind", "given", "source"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__username"]
    raw_id_fields = ["user"]
    fields = ["created", "user", "kind", "given", "source"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
