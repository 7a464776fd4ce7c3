from django.contrib import admin

from kabinet.api.models import ApiToken


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
