"""Personal API tokens: the official way for a customer's own software (home automation,
a spreadsheet script) to submit readings, instead of scraping the portal.

Only a SHA-256 of the token is stored; the token itself is shown once, when created.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("starts with"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], condition=Q(revoked__isnull=True), name="api_token_active_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked is None
