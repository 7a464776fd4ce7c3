from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import (
    Account,
    AccountAccess,
    Building,
    Customer,
    MailPreference,
    Premises,
    User,
)


class AccountAccessInline(admin.TabularInline):
    model = AccountAccess
    fk_name = "user"
    extra = 0
    raw_id_fields = ["account", "granted_by"]
    readonly_fields = ["created"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
    list_filter = ["is_staff", "is_active", "is_superuser"]
    search_fields = ["username", "email", "first_name", "last_name", "customer__client_code"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    inlines = [AccountAccessInline]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Customer"), {"fields": ["customer", "phone", "language"]}),)


class AccountInline(admin.TabularInline):
    model = Account
    extra = 0
    raw_id_fields = ["premises"]
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["client_code", "display_name", "kind", "email", "phone", "created"]
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
    list_display = ["user", "account", "role", "created", "granted_by"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__username", "account__number"]
    list_select_related = ["user", "account", "granted_by"]
    raw_id_fields = ["user", "account", "granted_by"]


@admin.register(MailPreference)
class MailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "enabled"]
    list_filter = ["kind", "enabled"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
