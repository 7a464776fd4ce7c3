"""News and outage notices.

News is public between its publish and expiry times. An outage notice (planned or
emergency) names a service, a start and an expected end, and the addresses it affects:
single buildings chosen from customers.Building, or whole streets (OutageStreet rows,
matched against Building.street case-insensitively). Customers whose premises match see
it on their dashboard and, if they want kind OUTAGE mail, get an e-mail.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Building
from kabinet.utility.models import Service
from kabinet.utility.storage import private_storage
from kabinet.utility.translated import translated, translated_required


class NewsQuerySet(models.QuerySet):
    def published(self, now=None):
        now = now or timezone.now()
        return self.filter(publish_at__lte=now).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def news_image_path(instance: "News", filename: str) -> str:
    return f"news/{instance.image_token}.{filename.rsplit('.', 1)[-1]}"


class News(models.Model):
    # Per language (kabinet.utility.translated); clean() asks for one title and text at least.
    title_lv = models.CharField(_("title (Latvian)"), max_length=200, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_lv = models.TextField(_("text (Latvian)"), max_length=20000, blank=True)
    body_ru = models.TextField(_("text (Russian)"), max_length=20000, blank=True)
    body_en = models.TextField(_("text (English)"), max_length=20000, blank=True)
    title = translated("title", _("title"))
    body = translated("body", _("text"))
    image = models.FileField(
        _("image"),
        storage=private_storage,
        upload_to=news_image_path,
        blank=True,
        max_length=200,
        help_text=_("JPEG or PNG, up to 10 MB"),
    )
    image_token = models.CharField(max_length=32, blank=True)
    image_type = models.CharField(max_length=30, blank=True)
    publish_at = models.DateTimeField(_("publish at"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    objects = NewsQuerySet.as_manager()

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news")
        ordering = ["-publish_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("publish_at")),
                name="news_expires_after_publish",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        translated_required(self, "title", "body")

    def is_published(self, now=None) -> bool:
        now = now or timezone.now()
        return self.publish_at <= now and (self.expires_at is None or self.expires_at > now)


class OutageKind(models.TextChoices):
    PLANNED = "planned", _("Planned")
    EMERGENCY = "emergency", _("Emergency")


class OutageQuerySet(models.QuerySet):
    def current(self, now=None):
        """Published notices not yet over (an outage with no end yet is still current)."""
        now = now or timezone.now()
        return self.filter(published=True, cancelled=False).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class Outage(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=OutageKind.choices, default=OutageKind.PLANNED)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    title_lv = models.CharField(_("title (Latvian)"), max_length=200, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_lv = models.TextField(_("details (Latvian)"), blank=True, max_length=5000)
    description_ru = models.TextField(_("details (Russian)"), blank=True, max_length=5000)
    description_en = models.TextField(_("details (English)"), blank=True, max_length=5000)
    title = translated("title", _("title"))
    description = translated("description", _("details"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("expected end"), null=True, blank=True)
    buildings = models.ManyToManyField(
        Building, blank=True, related_name="outages", verbose_name=_("affected buildings")
    )
    published = models.BooleanField(_("published"), default=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    notified_at = models.DateTimeField(_("customers e-mailed"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    objects = OutageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outage notice")
        verbose_name_plural = _("outage notices")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")), name="outage_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        translated_required(self, "title")


class OutageStreet(models.Model):
    """A whole street affected by an outage (every building on it, now or later)."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="streets")
    street = models.CharField(_("street"), max_length=150)

    class Meta:
        verbose_name = _("affected street")
        verbose_name_plural = _("affected streets")
        constraints = [models.UniqueConstraint(fields=["outage", "street"], name="outage_street_unique")]

    def __str__(self) -> str:
        return self.street
