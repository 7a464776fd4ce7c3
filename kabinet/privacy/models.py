"""Privacy: what a customer may ask about the personal data Kabinet holds about them.

GDPR art. 15 and 20 (and 152-ФЗ ст. 14 for Russian utilities) give the right to a copy of
one's data: a DataExport is a ZIP built in the background and downloadable by its login
for seven days. Art. 16 (152-ФЗ ст. 21) gives the right to correction: a CorrectionRequest
goes to staff, who approve or reject it. Art. 17 gives the right to erasure, limited by the
duty to keep accounting records (Grāmatvedības likums, 402-ФЗ ст. 29): an ErasureRequest,
once approved, pseudonymises the login (kabinet.privacy.erasure) while the account's
invoices, payments and readings stay for the retention period the PrivacyPolicy names.
ConsentRecord keeps when a login turned each kind of optional e-mail on or off (art. 7(1):
the utility must be able to show the consent).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.utility.storage import private_storage
from kabinet.utility.translated import translated

EXPORT_VALID_DAYS = 7


class PrivacyPolicy(models.Model):
    """The utility's privacy notice (one row per deployment, like UtilityProfile), in its
    languages, and the retention period of the accounting records the erasure keeps."""

    text_lv = models.TextField(_("privacy notice (Latvian)"), blank=True)
    text_ru = models.TextField(_("privacy notice (Russian)"), blank=True)
    text_en = models.TextField(_("privacy notice (English)"), blank=True)
    text = translated("text", _("privacy notice"))
    contact_lv = models.TextField(_("data protection contact (Latvian)"), blank=True)
    contact_ru = models.TextField(_("data protection contact (Russian)"), blank=True)
    contact_en = models.TextField(_("data protection contact (English)"), blank=True)
    contact = translated("contact", _("data protection contact"))
    retention_years = models.PositiveSmallIntegerField(
        _("accounting records kept, years"),
        default=5,
        help_text=_("Invoices, payments and readings are kept this many years after the end of their year."),
    )
    retention_basis_lv = models.CharField(_("law on keeping them (Latvian)"), max_length=300, blank=True)
    retention_basis_ru = models.CharField(_("law on keeping them (Russian)"), max_length=300, blank=True)
    retention_basis_en = models.CharField(_("law on keeping them (English)"), max_length=300, blank=True)
    retention_basis = translated("retention_basis", _("law on keeping them"))
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notice")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="privacy_policy_singleton")]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def export_path(instance: "DataExport", filename: str) -> str:
    return f"privacy/exports/{instance.user_id}/{instance.token}.zip"


def _export_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=EXPORT_VALID_DAYS)


class DataExport(models.Model):
    """A copy of everything Kabinet holds about one login (kabinet.privacy.export)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(_("requested"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    # In the download link, with the login: the link alone opens nothing.
    token = models.CharField(max_length=64, unique=True, editable=False)
    file = models.FileField(storage=private_storage, upload_to=export_path, max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size, bytes"), default=0)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("valid until"), default=_export_expiry)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created:%Y-%m-%d %H:%M}"

    def downloadable(self, now: dt.datetime | None = None) -> bool:
        return self.status == ExportStatus.READY and bool(self.file) and (now or timezone.now()) < self.expires_at


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Decided requests stay as they are; a pending one is decided by staff or withdrawn by
# the customer (kabinet.privacy.services.set_status).
TRANSITIONS = {
    RequestStatus.PENDING: {RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.WITHDRAWN},
    RequestStatus.APPROVED: set(),
    RequestStatus.REJECTED: set(),
    RequestStatus.WITHDRAWN: set(),
}


class CorrectionField(models.TextChoices):
    """What a customer may ask to correct. Approving one of the named fields writes the new
    value (kabinet.privacy.services.CORRECTABLE); "other" staff correct by hand."""

    LOGIN_FIRST_NAME = "login_first_name", _("My first name (login)")
    LOGIN_LAST_NAME = "login_last_name", _("My last name (login)")
    LOGIN_PHONE = "login_phone", _("My phone (login)")
    CUSTOMER_FIRST_NAME = "customer_first_name", _("First name of the account holder")
    CUSTOMER_LAST_NAME = "customer_last_name", _("Last name of the account holder")
    CUSTOMER_PHONE = "customer_phone", _("Phone of the account holder")
    CUSTOMER_POSTAL_ADDRESS = "customer_postal_address", _("Postal address")
    OTHER = "other", _("Something else")


class CorrectionRequest(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("login")
    )
    account = models.ForeignKey(
        "customers.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("account"),
    )
    field = models.CharField(_("what to correct"), max_length=30, choices=CorrectionField.choices)
    current_value = models.CharField(_("current value"), max_length=300, blank=True)
    new_value = models.CharField(_("correct value"), max_length=300)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    answer = models.TextField(_("answer"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(new_value=""), name="correction_has_new_value"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(answer=""), name="correction_rejection_has_answer"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_field_display()}"


class ErasureRequest(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("login")
    )
    created = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    answer = models.TextField(_("answer"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    # What the erasure did, per table (counts only: no personal value is kept here).
    report = models.JSONField(_("what was erased"), default=dict, blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="pending"), name="erasure_one_pending"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(answer=""), name="erasure_rejection_has_answer"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user_id}"


class ConsentSource(models.TextChoices):
    SETTINGS = "settings", _("Notification settings")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")


class ConsentRecord(models.Model):
    """One change of a login's consent to one kind of optional e-mail, with its time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("login")
    )
    kind = models.CharField(_("kind of e-mail"), max_length=30)
    given = models.BooleanField(_("consent given"))
    source = models.CharField(_("where"), max_length=20, choices=ConsentSource.choices)
    created = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "kind", "-created"], name="consent_user_kind_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}={self.given}"
