from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice


class Authenticator(TOTPDevice):
    """A staff login's authenticator app (django-otp's TOTP device), as the back office
    names it."""

    class Meta:
        proxy = True
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")


class Reports(models.Model):
    """No table: the holder of the permission to open the back office's reports
    (kabinet/office/reports), which read across every app and belong to no one model."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", _("Can view reports and export them"))]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
