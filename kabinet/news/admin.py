import secrets

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Building
from kabinet.news.models import News, Outage, OutageStreet
from kabinet.news.services import news_image_check, outage_notify
from kabinet.utility.exceptions import ApplicationError


class NewsForm(forms.ModelForm):
    class Meta:
        model = News
        fields = [
            "title_lv",
            "title_ru",
            "title_en",
            "body_lv",
            "body_ru",
            "body_en",
            "image",
            "publish_at",
            "expires_at",
        ]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a new upload, not the stored file
            try:
                self._image_type = news_image_check(image)
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message) from exc
        return image


@admin.register(News)
class NewsAdmin(admin.ModelAdmin):
    form = NewsForm
    list_display = ["title", "publish_at", "expires_at", "created_by"]
    search_fields = ["title_lv", "title_ru", "title_en", "body_lv", "body_ru", "body_en"]
    date_hierarchy = "publish_at"
    list_select_related = ["created_by"]

    def save_model(self, request, obj, form, change):
        if getattr(form, "_image_type", None):
            obj.image_token = secrets.token_hex(16)
            obj.image_type = form._image_type
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


def street_choices():
    streets = Building.objects.order_by("street").values_list("street", flat=True).distinct()
    return [("", "—")] + [(s, s) for s in streets]


class OutageStreetForm(forms.ModelForm):
    street = forms.ChoiceField(label=_("street"), choices=street_choices)

    class Meta:
        model = OutageStreet
        fields = ["street"]


class OutageStreetInline(admin.TabularInline):
    model = OutageStreet
    form = OutageStreetForm
    extra = 1


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "service", "starts_at", "ends_at", "published", "cancelled", "notified_at"]
    list_filter = ["kind", "service", "published", "cancelled", ("starts_at", admin.DateFieldListFilter)]
    search_fields = [
        "title_lv",
        "title_ru",
        "title_en",
        "description_lv",
        "description_ru",
        "description_en",
        "streets__street",
        "buildings__street",
    ]
    list_select_related = ["service"]
    autocomplete_fields = ["buildings"]  # a city has thousands of houses: search, not a list
    inlines = [OutageStreetInline]
    readonly_fields = ["notified_at", "created_by"]
    fields = [
        "kind",
        "service",
        "title_lv",
        "title_ru",
        "title_en",
        "description_lv",
        "description_ru",
        "description_en",
        "starts_at",
        "ends_at",
        "buildings",
        "published",
        "cancelled",
        "notified_at",
        "created_by",
    ]
    actions = ["notify"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("E-mail the affected customers"), permissions=["change"])
    def notify(self, request, queryset):
        for outage in queryset:
            try:
                count = outage_notify(outage=outage, actor=request.user)
            except ApplicationError as exc:
                messages.warning(request, f"{outage}: {exc.message}")
                continue
            messages.success(
                request, _("%(title)s: %(count)d e-mails queued.") % {"title": outage.title, "count": count}
            )
