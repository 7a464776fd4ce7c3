"""The utility's pages in the back office: texts per language, history with restore, PDFs."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from kabinet.pages.models import Document, Page, PageVersion
from kabinet.pages.services import document_check, document_save, page_restore, page_save
from kabinet.utility.exceptions import ApplicationError

MARKUP_HELP = _(
    "Plain text: a blank line starts a new paragraph, lines starting with “- ” make a list, a line "
    "starting with “## ” is a heading (a question on the FAQ page). Web and e-mail addresses become links."
)


class PageForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = [
            "slug",
            "kind",
            "title_lv",
            "title_ru",
            "title_en",
            "body_lv",
            "body_ru",
            "body_en",
            "publish_from",
            "published",
            "sort_order",
        ]
        help_texts = {"body_lv": MARKUP_HELP, "body_ru": MARKUP_HELP, "body_en": MARKUP_HELP}


class PageVersionInline(admin.TabularInline):
    """The history, newest first; a version is restored from its own page (a POST form
    cannot sit inside the page's form)."""

    model = PageVersion
    fields = ["written_at", "written_by", "title", "replaced_at", "open_link"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    ordering = ["-replaced_at", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("written_by")

    @admin.display(description=pgettext_lazy("page version", "version"))
    def open_link(self, obj):
        url = reverse("admin:pages_pageversion_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open and restore"))


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageForm
    list_display = ["title", "slug", "kind", "published", "publish_from", "sort_order", "updated", "updated_by"]
    list_filter = ["kind", "published"]
    search_fields = ["slug", "title_lv", "title_ru", "title_en", "body_lv", "body_ru", "body_en"]
    list_select_related = ["updated_by"]
    inlines = [PageVersionInline]

    def save_model(self, request, obj, form, change):
        page_save(page=obj, actor=request.user)

    def view_on_site(self, obj):
        return reverse("pages:page", args=[obj.slug])


@admin.register(PageVersion)
class PageVersionAdmin(admin.ModelAdmin):
    """Read-only history; the one change is the restore action (its own permission)."""

    list_display = ["page", "title", "written_at", "written_by", "replaced_at"]
    list_filter = ["page"]
    list_select_related = ["page", "written_by"]
    search_fields = ["page__slug", "title_lv", "title_ru", "title_en"]
    raw_id_fields = ["page"]
    readonly_fields = [
        "page",
        "title_lv",
        "title_ru",
        "title_en",
        "body_lv",
        "body_ru",
        "body_en",
        "publish_from",
        "published",
        "written_at",
        "written_by",
        "replaced_at",
    ]
    fields = readonly_fields
    actions = ["restore"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_restore_permission(self, request):
        return request.user.has_perm("pages.restore_pageversion")

    @admin.action(description=_("Restore the selected version"), permissions=["restore"])
    def restore(self, request, queryset):
        versions = list(queryset.order_by("-replaced_at", "-id")[:50])
        pages = {}
        for version in versions:  # one version per page: the newest chosen one
            pages.setdefault(version.page_id, version)
        for version in pages.values():
            page_restore(version=version, actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d page restored.", "%(count)d pages restored.", len(pages)) % {"count": len(pages)},
            messages.SUCCESS,
        )


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["kind", "title_lv", "title_ru", "title_en", "file", "publish_from", "published"]
        # A plain input: the clearable one links the stored file's URL, and private files
        # have none (the document opens through its own page: "View on site").
        widgets = {"file": forms.FileInput}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                document_check(upload)
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message) from exc
        return upload


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    form = DocumentForm
    list_display = ["title", "kind", "publish_from", "published", "size", "created_by"]
    list_filter = ["kind", "published"]
    search_fields = ["title_lv", "title_ru", "title_en"]
    list_select_related = ["created_by"]
    date_hierarchy = "publish_from"

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("file")
        new = upload if upload is not None and hasattr(upload, "content_type") else None
        document_save(document=obj, actor=request.user, upload=new)

    def view_on_site(self, obj):
        return reverse("pages:document", args=[obj.pk])
