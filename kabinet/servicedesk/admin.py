"""The back office queue: filters by status, category, street and overdue; status changes,
assignment and comments go through the services (never a plain field edit)."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Account, Building, User
from kabinet.meters.models import Meter, MeterStatus
from kabinet.servicedesk.forms import StaffRequestForm
from kabinet.servicedesk.models import (
    OPEN_STATUSES,
    TRANSITIONS,
    Category,
    Comment,
    Photo,
    RequestStatus,
    ServiceRequest,
    StatusChange,
)
from kabinet.servicedesk.selectors import categories_active
from kabinet.servicedesk.services import (
    MeterUpdate,
    meter_update_check,
    request_assign,
    request_comment_add,
    request_file,
    request_set_status,
)
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.office import office_view


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_lv", "name_ru", "deadline_hours", "is_emergency", "meter_work", "active"]
    list_editable = ["deadline_hours", "is_emergency", "active"]
    list_filter = ["active", "is_emergency", "meter_work"]


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        overdue = Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class StreetFilter(admin.SimpleListFilter):
    title = _("street")
    parameter_name = "street"

    def lookups(self, request, model_admin):
        streets = Building.objects.order_by("street").values_list("street", flat=True).distinct()
        return [(s, s) for s in streets]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(premises__building__street=self.value())
        return queryset


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ["created", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    can_delete = False
    fields = ["created", "author", "internal", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PhotoInline(admin.TabularInline):
    model = Photo
    extra = 0
    can_delete = False
    fields = ["link", "content_type", "size", "original_name"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("photo"))
    def link(self, obj):
        from django.urls import reverse

        url = reverse("portal:request-photo", args=[obj.request_id, obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("open"))


class RequestWorkForm(forms.ModelForm):
    """The staff's working form: the change fields are not model fields; save_model calls the services."""

    new_status = forms.ChoiceField(label=_("change status to"), required=False)
    scheduled_at = forms.SplitDateTimeField(
        label=_("visit date and time"), required=False, widget=admin.widgets.AdminSplitDateTime
    )
    reason = forms.CharField(label=_("reason for rejection"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    status_note = forms.CharField(
        label=_("note to the customer"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    technician = forms.ModelChoiceField(
        label=_("technician"), queryset=User.objects.filter(is_staff=True, is_active=True), required=False
    )
    comment = forms.CharField(label=_("add a comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    comment_internal = forms.BooleanField(label=_("internal (staff only)"), required=False, initial=True)
    verified_on = forms.DateField(
        label=_("verified / installed on"), required=False, widget=admin.widgets.AdminDateWidget
    )
    verification_due = forms.DateField(
        label=_("next verification due"), required=False, widget=admin.widgets.AdminDateWidget
    )
    new_serial = forms.CharField(label=_("new meter serial number"), required=False, max_length=40)
    initial_reading = forms.DecimalField(
        label=_("new meter initial reading"), required=False, max_digits=14, decimal_places=3
    )
    final_reading = forms.DecimalField(
        label=_("old meter final reading"), required=False, max_digits=14, decimal_places=3
    )
    seal_number = forms.CharField(label=_("seal number"), required=False, max_length=40)

    class Meta:
        model = ServiceRequest
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        obj = self.instance
        allowed = TRANSITIONS.get(obj.status, frozenset()) if obj.pk else frozenset()
        self.fields["new_status"].choices = [("", "—")] + [
            (value, label) for value, label in RequestStatus.choices if value in allowed
        ]
        if obj.pk:
            self.fields["technician"].initial = obj.assigned_to_id

    def clean(self):
        # Point at the missing field before anything is saved; the services check again.
        data = super().clean()
        status = data.get("new_status")
        work = self.instance.category.meter_work if self.instance.pk else ""
        if status == RequestStatus.SCHEDULED and not data.get("scheduled_at"):
            self.add_error("scheduled_at", _("Give the date and time of the visit."))
        if status == RequestStatus.REJECTED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for rejection."))
        if status == RequestStatus.DONE and work == "replacement" and not data.get("new_serial"):
            self.add_error("new_serial", _("Enter the new meter's serial number."))
        if status == RequestStatus.DONE and work == "sealing" and not data.get("seal_number"):
            self.add_error("seal_number", _("Enter the seal number."))
        if status == RequestStatus.DONE and work and self.instance.meter_id and not self.errors:
            # The service's own rules (no verification date in the future, ...): a refusal is a
            # form error beside its field, and nothing is saved.
            try:
                meter_update_check(
                    meter=self.instance.meter, work=work, update=self.meter_update(), today=timezone.localdate()
                )
            except ApplicationError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data

    def meter_update(self) -> MeterUpdate:
        data = self.cleaned_data
        return MeterUpdate(
            verified_on=data.get("verified_on"),
            verification_due=data.get("verification_due"),
            new_serial=data.get("new_serial") or "",
            initial_reading=data.get("initial_reading"),
            final_reading=data.get("final_reading"),
            seal_number=data.get("seal_number") or "",
        )


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    form = RequestWorkForm
    list_display = [
        "number_link",
        "created",
        "category",
        "address",
        "status",
        "due_at",
        "overdue",
        "assigned_to",
        "rating",
    ]
    list_filter = ["status", "category", OverdueFilter, StreetFilter, "assigned_to"]
    search_fields = ["=id", "account__number", "premises__building__street", "description", "phone"]
    list_select_related = ["category", "premises__building", "assigned_to"]
    date_hierarchy = "created"
    ordering = ["due_at"]
    inlines = [PhotoInline, StatusChangeInline, CommentInline]
    readonly_fields = [
        "account",
        "premises",
        "category",
        "meter",
        "description",
        "phone",
        "preferred_time",
        "status",
        "created",
        "due_at",
        "scheduled_for",
        "closed_at",
        "reject_reason",
        "created_by",
        "assigned_to",
        "rating",
        "rating_comment",
        "reopen_count",
    ]
    fieldsets = [
        (None, {"fields": ["account", "premises", "category", "meter", "description", "phone", "preferred_time"]}),
        (
            _("State"),
            {
                "fields": [
                    "status",
                    "created",
                    "due_at",
                    "scheduled_for",
                    "closed_at",
                    "reject_reason",
                    "created_by",
                    "assigned_to",
                    "rating",
                    "rating_comment",
                    "reopen_count",
                ]
            },
        ),
        (
            _("Work on it"),
            {
                "fields": [
                    "technician",
                    "new_status",
                    "scheduled_at",
                    "reason",
                    "status_note",
                    "comment",
                    "comment_internal",
                ]
            },
        ),
        (
            _("Meter work (when closing a meter request)"),
            {
                "fields": [
                    "verified_on",
                    "verification_due",
                    "new_serial",
                    "initial_reading",
                    "final_reading",
                    "seal_number",
                ]
            },
        ),
    ]
    actions = ["accept", "start_work"]

    def has_add_permission(self, request):
        # Customers file requests in the portal; staff file them for a customer from the
        # 360° page (file_view below: an account is needed, not a blank form).
        return False

    def get_urls(self):
        return [
            path(
                "file/<int:account_id>/",
                office_view(self.admin_site, self.file_view, perm="servicedesk.add_servicerequest"),
                name="servicedesk_servicerequest_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, account_id: int):
        """File a request for the customer on the line: the same door as the portal's,
        on the customer's behalf."""
        account = get_object_or_404(
            Account.objects.select_related("customer", "premises__building"), pk=account_id, closed_on__isnull=True
        )
        meters = list(
            Meter.objects.filter(premises_id=account.premises_id, status=MeterStatus.ACTIVE)
            .select_related("service")
            .order_by("service__sort_order", "serial_number")
        )
        categories = list(categories_active())
        form = StaffRequestForm(
            request.POST or None,
            request.FILES or None,
            categories=categories,
            meters=meters,
            initial={"phone": account.customer.phone},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                req = request_file(
                    user=request.user,
                    account=account,
                    category=next(c for c in categories if c.pk == data["category"]),
                    description=data["description"],
                    phone=data["phone"],
                    preferred_time=data["preferred_time"],
                    meter=next((m for m in meters if m.pk == data["meter"]), None),
                    photos=data["photos"],
                    submit_key=data["submit_key"] or None,
                    on_behalf=True,
                )
            except (ApplicationError, Category.DoesNotExist) as exc:
                error = getattr(exc, "message", _("Choose a category."))
                form.add_error(
                    getattr(exc, "field", None) if getattr(exc, "field", None) in form.fields else None, error
                )
            else:
                messages.success(request, _("Request no. %(number)s filed.") % {"number": req.pk})
                return redirect("admin:servicedesk_servicerequest_change", req.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("New service request for account %(number)s") % {"number": account.number},
            "form": form,
            "account": account,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/servicedesk/file_request.html", context)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("number"), ordering="id")
    def number_link(self, obj):
        return obj.number

    @admin.display(description=_("address"))
    def address(self, obj):
        return obj.premises.address

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue()

    def save_model(self, request, obj, form, change):
        """Apply the working form through the services, all or nothing."""
        from django.db import transaction

        data = form.cleaned_data
        try:
            with transaction.atomic():
                if data.get("technician") != obj.assigned_to and "technician" in form.changed_data:
                    request_assign(request=obj, technician=data.get("technician"), actor=request.user)
                if data.get("new_status"):
                    update = None
                    if data["new_status"] == RequestStatus.DONE and obj.category.meter_work:
                        update = form.meter_update()
                    scheduled = data.get("scheduled_at")
                    if isinstance(scheduled, dt.datetime) and timezone.is_naive(scheduled):
                        scheduled = timezone.make_aware(scheduled)
                    request_set_status(
                        request=obj,
                        status=data["new_status"],
                        actor=request.user,
                        note=data.get("status_note") or "",
                        scheduled_for=scheduled,
                        reason=data.get("reason") or "",
                        meter_update=update,
                    )
                if data.get("comment"):
                    request_comment_add(
                        request=obj, author=request.user, text=data["comment"], internal=data.get("comment_internal")
                    )
        except ApplicationError as exc:
            # Refused although the form was valid (another change came first): nothing was
            # saved, so no "changed successfully" and no history entry (see below).
            request._servicedesk_refused = True
            messages.error(request, exc.message)
        obj.refresh_from_db()

    def log_change(self, request, obj, message):
        if getattr(request, "_servicedesk_refused", False):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if getattr(request, "_servicedesk_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _bulk_status(self, request, queryset, status):
        done = 0
        for obj in queryset:
            try:
                request_set_status(request=obj, status=status, actor=request.user)
                done += 1
            except ApplicationError as exc:
                messages.warning(request, f"{obj.number}: {exc.message}")
        if done:
            messages.success(request, _("%(count)d requests changed.") % {"count": done})

    @admin.action(description=_("Accept the selected requests"), permissions=["change"])
    def accept(self, request, queryset):
        self._bulk_status(request, queryset, RequestStatus.ACCEPTED)

    @admin.action(description=_("Start work on the selected requests"), permissions=["change"])
    def start_work(self, request, queryset):
        self._bulk_status(request, queryset, RequestStatus.IN_PROGRESS)
