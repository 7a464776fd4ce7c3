"""A login's external identities: the (issuer, subject) pairs of OpenID Connect providers
that may sign this login in.

An identity is only ever linked after the person proved the login the ordinary way
(password) or while already signed in to it: never by a matching e-mail or name in the
provider's claims. Only the pair that identifies the person at the provider is kept, not
the claims (name, e-mail, personal code) the provider sent with it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExternalIdentity(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="external_identities",
        verbose_name=_("login"),
    )
    # The key of OIDC_PROVIDERS it was linked through: for the display name and unlinking.
    provider = models.CharField(_("provider"), max_length=40)
    # The ID token's "iss" and "sub": together they name one person at one provider
    # (OpenID Connect Core 5.7: "sub" is unique only within its issuer).
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject at the provider"), max_length=255)
    linked_at = models.DateTimeField(_("linked at"))
    last_login_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="identity_issuer_subject_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.subject}"
