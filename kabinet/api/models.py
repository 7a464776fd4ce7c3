"""The API's own table: the idempotency keys of its POST operations (kabinet/api/idempotency.py).

A reading submission keeps its key in meters.SubmissionKey (shared with the portal form
and the phone's offline queue); every other POST of the API keeps the response it gave
here, so that a retry with the same key gets the same answer and changes nothing."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=64)
    # sha256 of the operation (method and path) and the request body: a retry has the same.
    fingerprint = models.CharField(max_length=64)
    # None while the first request is still running.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
