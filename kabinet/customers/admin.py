"""The back office for customers and their portal access.

Access changes go through kabinet.customers.services (audited, e-mail in the outbox):
opening access at the counter (letter with a one-time code, or a set-password e-mail),
deciding registration applications, granting and revoking account access.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.customers import services, throttle
from kabinet.customers.models import (
    Account,
    AccountAccess,
    ActivationCode,
    ApiToken,
    ApplicationStatus,
    Building,
    Customer,
    Invitation,
    MailPreference,
    Premises,
    RegistrationApplication,
    User,
)
from kabinet.customers.throttle import client_ip
from kabinet.customers.tokens import CODE_VALID_DAYS
from kabinet.notifications.models import OutboxMessage
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.office import office_view


class OfficeLoginForm(AdminAuthenticationForm):
    """The back office's login, throttled like the portal's: the same counters per login
    name and per address, so guessing cannot move from one door to the other."""

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip().lower()
        ip = client_ip(self.request)
        person = throttle.login_person(username)
        try:
            throttle.login_begin(person, ip)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code="throttled") from exc
        try:
            cleaned = super().clean()
        except forms.ValidationError as exc:
            if exc.code == "invalid_login":  # a wrong password, or not staff
                throttle.login_failed(person, ip)
            else:
                throttle.login_release(person, ip)
            raise
        except Exception:
            throttle.login_release(person, ip)
            raise
        throttle.login_succeeded(person, ip)
        return cleaned


class AccountAccessInline(admin.TabularInline):
    """Shown, not edited: granting and revoking go through the AccountAccess admin (services)."""

    model = AccountAccess
    fk_name = "user"
    extra = 0
    fields = ["account", "role", "created", "granted_by"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Staff logins are made here. Customers' logins come only from the services
    (registration, the counter's letter or e-mail, applications, invitations), which
    check the customer and record events, so a login's customer is not edited here."""

    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "customer",
        "is_active",
        "is_staff",
        "last_login",
    ]
    list_filter = ["is_staff", "is_active", "activation_pending", "is_superuser"]
    search_fields = ["username", "email", "first_name", "last_name", "customer__client_code"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    inlines = [AccountAccessInline]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Customer"), {"fields": ["customer", "phone", "language", "activation_pending"]}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "first_name", "last_name", "usable_password", "password1", "password2"],
                "description": _(
                    "A back-office login for staff. Customers get their logins through registration "
                    "or the “Open portal access” page of their customer record."
                ),
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), "customer"]
        if not request.user.is_superuser:
            # An administrator gives roles (groups); superuser status and single
            # permissions beyond the roles stay with superusers.
            fields += ["is_superuser", "user_permissions"]
        return fields

    def has_change_permission(self, request, obj=None):
        # Only a superuser changes a superuser (its password included): otherwise whoever
        # may edit logins could take the most powerful one.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new staff login has no accounts

    def save_model(self, request, obj, form, change):
        if not change:
            obj.is_staff = True  # the add path makes staff logins only
        super().save_model(request, obj, form, change)


class AccountInline(admin.TabularInline):
    model = Account
    extra = 0
    raw_id_fields = ["premises"]
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["client_code", "display_name", "kind", "email", "phone", "created", "picture_link"]
    list_filter = ["kind", "language"]
    search_fields = [
        "client_code",
        "first_name",
        "last_name",
        "organisation_name",
        "email",
        "phone",
        "accounts__number",
    ]
    inlines = [AccountInline]
    readonly_fields = ["portal_logins", "sent_mail"]

    def get_urls(self):
        from kabinet.office import picture  # the back office's page over every app (a door)

        urls = [
            path(
                "<int:pk>/open-access/",
                office_view(self.admin_site, self.open_access_view, perm="customers.change_customer"),
                name="customers_customer_open_access",
            ),
            path(
                "<int:pk>/picture/",
                office_view(self.admin_site, picture.customer_picture_view, perm="customers.view_customer"),
                name="customers_customer_picture",
            ),
            path(
                "find/",
                office_view(self.admin_site, picture.customer_find_view, perm="customers.view_customer"),
                name="customers_customer_find",
            ),
        ]
        return urls + super().get_urls()

    @admin.display(description=_("whole picture"))
    def picture_link(self, obj: Customer):
        return format_html('<a href="{}">{}</a>', reverse("admin:customers_customer_picture", args=[obj.pk]), "360°")

    @admin.display(description=_("portal logins"))
    def portal_logins(self, obj: Customer):
        if obj.pk is None:
            return "—"
        logins = list(obj.users.order_by("id"))
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a> · {}</li>',
            (
                (
                    reverse("admin:customers_user_change", args=[u.pk]),
                    u.email or u.username,
                    gettext("waiting for activation")
                    if u.activation_pending
                    else (gettext("active") if u.is_active else gettext("blocked")),
                )
                for u in logins
            ),
        )
        link = reverse("admin:customers_customer_open_access", args=[obj.pk])
        return format_html('<ul>{}</ul><a class="button" href="{}">{}</a>', rows, link, gettext("Open portal access…"))

    @admin.display(description=_("e-mail sent"))
    def sent_mail(self, obj: Customer):
        """The outbox rows about this customer: in the demo, the mail itself."""
        if obj.pk is None:
            return "—"
        rows = list(OutboxMessage.objects.filter(customer_id=obj.pk).order_by("-created", "-id")[:20])
        if not rows:
            return gettext("No e-mail yet.")
        items = format_html_join(
            "",
            '<li>{} · <a href="{}">{}</a> → {} ({})</li>',
            (
                (
                    timezone.localtime(m.created).strftime("%Y-%m-%d %H:%M"),
                    reverse("admin:notifications_outboxmessage_change", args=[m.pk]),
                    m.subject,
                    m.to,
                    m.get_status_display(),
                )
                for m in rows
            ),
        )
        all_link = reverse("admin:notifications_outboxmessage_changelist") + f"?customer_id={obj.pk}"
        return format_html('<ul>{}</ul><a href="{}">{}</a>', items, all_link, gettext("All e-mail to this customer"))

    def open_access_view(self, request, pk: int):
        customer = get_object_or_404(Customer, pk=pk)
        if not self.has_change_permission(request, customer):
            raise PermissionDenied
        form = OpenAccessForm(request.POST or None, initial={"email": customer.email})
        if request.method == "POST" and form.is_valid():
            try:
                user, code = services.access_open(
                    customer=customer,
                    method=form.cleaned_data["method"],
                    email=form.cleaned_data["email"],
                    actor=request.user,
                    ip=client_ip(request),
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                if code is not None:
                    return activation_letter_pdf(request, customer=customer, user=user, code=code)
                self.message_user(
                    request, gettext("A link to choose a password was e-mailed to %(email)s.") % {"email": user.email}
                )
                return HttpResponseRedirect(reverse("admin:customers_customer_change", args=[customer.pk]))
        ctx = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": customer,
            "title": gettext("Open portal access for %(customer)s") % {"customer": customer},
            "form": form,
        }
        return TemplateResponse(request, "admin/customers/open_access.html", ctx)


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["street", "house", "city", "postcode"]
    list_filter = ["city"]
    search_fields = ["street", "house", "city", "postcode"]


@admin.register(Premises)
class PremisesAdmin(admin.ModelAdmin):
    list_display = ["address", "area", "residents"]
    list_filter = ["building__city", "residents"]
    search_fields = ["building__street", "building__house", "apartment"]
    list_select_related = ["building"]
    raw_id_fields = ["building"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "premises", "opened_on", "closed_on"]
    list_filter = [("closed_on", admin.EmptyFieldListFilter), "premises__building__city"]
    search_fields = [
        "number",
        "customer__client_code",
        "customer__last_name",
        "customer__organisation_name",
        "premises__building__street",
    ]
    list_select_related = ["customer", "premises__building"]
    raw_id_fields = ["customer", "premises"]


@admin.register(AccountAccess)
class AccountAccessAdmin(admin.ModelAdmin):
    """Granting and revoking go through the services: audited, and the person is told."""

    list_display = ["user", "account", "role", "created", "granted_by"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__username", "account__number"]
    list_select_related = ["user", "account", "granted_by"]
    raw_id_fields = ["user", "account"]
    readonly_fields = ["granted_by", "created"]
    actions = ["revoke_selected"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "user", "account"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        access = services.access_grant(
            user=obj.user, account=obj.account, role=obj.role, actor=request.user, ip=client_ip(request)
        )
        obj.pk = access.pk

    def delete_model(self, request, obj):
        services.access_revoke(access=obj, actor=request.user, ip=client_ip(request))

    @admin.action(description=_("Revoke the selected access"), permissions=["delete"])
    def revoke_selected(self, request, queryset):
        count = 0
        for access in queryset.select_related("user", "account__premises__building"):
            services.access_revoke(access=access, actor=request.user, ip=client_ip(request))
            count += 1
        self.message_user(request, gettext("Access revoked: %(count)d.") % {"count": count})


@admin.register(MailPreference)
class MailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "enabled"]
    list_filter = ["kind", "enabled"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


class OpenAccessForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How"),
        choices=[
            (services.OpenMethod.LETTER, _("Print an activation letter with a one-time code (valid 14 days)")),
            (services.OpenMethod.EMAIL, _("E-mail a link to choose a password")),
        ],
        widget=forms.RadioSelect,
        initial=services.OpenMethod.LETTER,
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("Required for the e-mail; optional for a letter.")
    )


def activation_letter_pdf(request, *, customer: Customer, user: User, code: str) -> HttpResponse:
    from weasyprint import HTML

    with translation.override(services.customer_language(customer)):
        html = render_to_string(
            "admin/customers/activation_letter.html",
            {
                "utility": UtilityProfile.get(),
                "customer": customer,
                "accounts": customer.accounts.filter(closed_on__isnull=True).select_related("premises__building"),
                "code": code,
                "valid_until": timezone.localdate() + dt.timedelta(days=CODE_VALID_DAYS),
                "site_url": request.build_absolute_uri("/").rstrip("/"),
            },
        )
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="activation-{customer.client_code}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason (sent to the applicant)"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(RegistrationApplication)
class RegistrationApplicationAdmin(admin.ModelAdmin):
    """The staff queue: match the customer, then approve (a set-password e-mail) or reject with a reason."""

    list_display = ["created", "full_name", "account_number", "customer", "email", "status", "decided_at"]
    list_filter = ["status", ("created", admin.DateFieldListFilter)]
    search_fields = ["full_name", "account_number", "client_code", "email", "phone"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    date_hierarchy = "created"
    actions = ["approve_selected", "reject_selected"]
    fields = [
        "status",
        "created",
        "full_name",
        "client_code",
        "account_number",
        "address",
        "email",
        "phone",
        "message",
        "language",
        "ip",
        "customer",
        "decided_at",
        "decided_by",
        "reason",
        "user",
    ]

    def get_readonly_fields(self, request, obj=None):
        editable = {"customer"} if obj is not None and obj.status == ApplicationStatus.PENDING else set()
        return [f for f in self.fields if f not in editable]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve: e-mail a link to choose a password"), permissions=["change"])
    def approve_selected(self, request, queryset):
        for application in queryset.select_related("customer"):
            try:
                services.application_approve(application=application, actor=request.user, ip=client_ip(request))
            except ApplicationError as exc:
                self.message_user(request, f"{application}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, gettext("%(application)s approved.") % {"application": application})

    @admin.action(description=_("Reject with a reason…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            for application in queryset:
                try:
                    services.application_reject(
                        application=application,
                        reason=form.cleaned_data["reason"],
                        actor=request.user,
                        ip=client_ip(request),
                    )
                except ApplicationError as exc:
                    self.message_user(request, f"{application}: {exc.message}", messages.ERROR)
                else:
                    self.message_user(request, gettext("%(application)s rejected.") % {"application": application})
            return None
        ctx = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Reject applications"),
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/customers/reject_applications.html", ctx)


@admin.register(ActivationCode)
class ActivationCodeAdmin(admin.ModelAdmin):
    """Letters handed out; the codes themselves are stored only as hashes."""

    list_display = ["user", "created", "expires_at", "used_at", "created_by"]
    list_filter = [("used_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__customer__client_code"]
    list_select_related = ["user", "created_by"]
    exclude = ["code_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "account", "role", "invited_by", "created", "accepted_at", "revoked_at"]
    list_filter = ["role", ("accepted_at", admin.EmptyFieldListFilter), ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "account__number", "invited_by__email"]
    list_select_related = ["account", "invited_by"]
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Withdraw the selected invitations"), permissions=["delete"])
    def revoke_selected(self, request, queryset):
        for invitation in queryset.select_related("account"):
            services.invitation_revoke(invitation=invitation, actor=request.user, ip=client_ip(request))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created", "last_used", "revoked"]
    list_filter = [("revoked", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__username", "name", "prefix"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "name", "prefix", "token_hash", "created", "last_used", "revoked"]

    def has_add_permission(self, request):
        return False
