"""The utility's own pages: about, tariffs, water quality, payment, readings, documents, FAQ.

Staff write the texts per language (kabinet.utility.translated) in a tiny safe markup
(kabinet.pages.markup): no HTML from the back office ever reaches a page. Some kinds add
a part generated from the data, so it cannot go stale: the tariffs page the tariffs in
force today, the readings page the profile's channels and window, the payment page the
profile's bank details, the water quality and documents pages their published PDFs.

Every save through page_save() keeps the texts it replaces as a PageVersion (who wrote
them and when), from which staff can restore any earlier version.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.utility.storage import private_storage
from kabinet.utility.translated import translated, translated_required

# The texts a version keeps and a restore puts back.
VERSIONED_FIELDS = (
    "title_lv",
    "title_ru",
    "title_en",
    "body_lv",
    "body_ru",
    "body_en",
    "publish_from",
    "published",
)


class PageKind(models.TextChoices):
    ABOUT = "about", _("About the utility")
    TARIFFS = "tariffs", _("Tariffs in force")
    WATER_QUALITY = "water_quality", _("Water quality reports")
    PAYMENT = "payment", _("Payment methods")
    READINGS = "readings", _("How to submit readings")
    DOCUMENTS = "documents", _("Documents and contracts")
    FAQ = "faq", _("Frequently asked questions")
    OTHER = "other", _("Other page")


class PageQuerySet(models.QuerySet):
    def published(self, today: dt.date | None = None):
        today = today or timezone.localdate()
        return self.filter(published=True, publish_from__lte=today)


class Page(models.Model):
    slug = models.SlugField(
        _("address in the link"),
        max_length=60,
        unique=True,
        help_text=_("Latin letters, digits and hyphens: the page opens at /info/this-address/"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PageKind.choices, default=PageKind.OTHER)
    title_lv = models.CharField(_("title (Latvian)"), max_length=200, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_lv = models.TextField(_("text (Latvian)"), max_length=30000, blank=True)
    body_ru = models.TextField(_("text (Russian)"), max_length=30000, blank=True)
    body_en = models.TextField(_("text (English)"), max_length=30000, blank=True)
    title = translated("title", _("title"))
    body = translated("body", _("text"))
    publish_from = models.DateField(_("publish from"), default=timezone.localdate)
    published = models.BooleanField(_("published"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PageQuerySet.as_manager()

    class Meta:
        verbose_name = _("utility page")
        verbose_name_plural = _("utility pages")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.title or self.slug

    def clean(self):
        translated_required(self, "title")

    def is_published(self, today: dt.date | None = None) -> bool:
        return self.published and self.publish_from <= (today or timezone.localdate())


class PageVersion(models.Model):
    """A page's texts as they were before a save replaced them, with who wrote them and when."""

    page = models.ForeignKey(
        Page, on_delete=models.CASCADE, related_name="versions", verbose_name=pgettext_lazy("utility page", "page")
    )
    title_lv = models.CharField(_("title (Latvian)"), max_length=200, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_lv = models.TextField(_("text (Latvian)"), blank=True)
    body_ru = models.TextField(_("text (Russian)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    title = translated("title", _("title"))
    body = translated("body", _("text"))
    publish_from = models.DateField(_("publish from"))
    published = models.BooleanField(_("published"))
    written_at = models.DateTimeField(pgettext_lazy("page version", "written"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=pgettext_lazy("page version", "written by"),
    )
    replaced_at = models.DateTimeField(pgettext_lazy("page version", "replaced"), default=timezone.now)

    class Meta:
        verbose_name = _("page version")
        verbose_name_plural = _("page versions")
        ordering = ["-replaced_at", "-id"]
        # Restoring changes the page; a role may hold it without editing pages by hand.
        permissions = [("restore_pageversion", _("Can restore a page version"))]

    def __str__(self) -> str:
        return f"{self.page.slug} · {timezone.localtime(self.written_at):%Y-%m-%d %H:%M}"


class DocumentKind(models.TextChoices):
    WATER_QUALITY = "water_quality", _("Water quality report")
    CONTRACT = "contract", _("Contract")
    OTHER = "other", _("Other document")


class DocumentQuerySet(models.QuerySet):
    def published(self, today: dt.date | None = None):
        today = today or timezone.localdate()
        return self.filter(published=True, publish_from__lte=today).exclude(file="")


def document_path(instance: "Document", filename: str) -> str:
    # The stored name is a random token, never the uploaded name (kabinet.pages.services).
    return f"pages/{instance.token}.pdf"


class Document(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    title_lv = models.CharField(_("title (Latvian)"), max_length=200, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title = translated("title", _("title"))
    file = models.FileField(
        _("PDF file"), storage=private_storage, upload_to=document_path, max_length=200, help_text=_("PDF, up to 20 MB")
    )
    token = models.CharField(max_length=32, blank=True, editable=False)
    size = models.PositiveIntegerField(_("size, bytes"), default=0, editable=False)
    publish_from = models.DateField(_("publish from"), default=timezone.localdate)
    published = models.BooleanField(_("published"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("published document")
        verbose_name_plural = _("published documents")
        ordering = ["-publish_from", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(token=""), name="pages_document_has_token")]  # nosec B106

    def __str__(self) -> str:
        return self.title

    def clean(self):
        translated_required(self, "title")
