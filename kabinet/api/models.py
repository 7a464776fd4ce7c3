"""Personal API tokens: the official way for a customer's own software (home automation,
a spreadsheet script) to submit readings, instead of scraping the portal.

Only a SHA-256 of the token is stored; the token itself is shown once, when created.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
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
    # The login's password when the token was made (password_stamp()): a token stops
    # working when the password changes, whichever door changed it, as Django's sessions do.
    password_stamp = models.CharField(max_length=32, blank=True, editable=False)

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


def password_stamp(user) -> str:
    """Changes whenever the login's password does; reveals nothing of it."""
    return salted_hmac("kabinet.api.token", user.password, algorithm="sha256").hexdigest()[:32]


class SubmissionKey(models.Model):
    """An idempotency key a client sent with a reading submission (the portal form, the
    offline queue on a phone, the API's `Idempotency-Key` header).

    A retry with the same key gets the readings of the first submission back instead of
    submitting again: the offline queue may send a submission twice (the answer was lost
    when the connection dropped again) and it must still count once. The fingerprint of
    the submitted values tells a retry from a different submission that reuses the key.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=64)
    fingerprint = models.CharField(max_length=64)
    reading_ids = models.JSONField(default=list)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="submission_key_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
