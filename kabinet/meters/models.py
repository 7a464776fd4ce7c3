"""Meters and their readings.

A Reading row is kept for every attempt, whatever the channel; at most one reading per
meter and period is current (accepted or estimated), enforced by a partial unique
index. A second submission supersedes the first, which stays in the history.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Premises
from kabinet.utility.models import Service
from kabinet.utility.storage import private_storage
from kabinet.utility.translated import translated


def verification_expired_on(verification_due: dt.date | None, day: dt.date) -> bool:
    """Whether a meter verified until `verification_due` is expired on `day`: the one
    definition for readings, billing and reminders. The meter is good through its due date
    and expired from the next day (verification_expiry_day())."""
    return verification_due is not None and verification_due < day


def verification_expiry_day(verification_due: dt.date) -> dt.date:
    """The first day on which the meter is expired."""
    return verification_due + dt.timedelta(days=1)


class MeterStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REPLACED = "replaced", _("Replaced")
    REMOVED = "removed", _("Removed")


class Meter(models.Model):
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="meters", verbose_name=_("premises"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="meters", verbose_name=_("service"))
    serial_number = models.CharField(_("serial number"), max_length=40)
    model = models.CharField(_("model"), max_length=100, blank=True)
    # Where the meter hangs ("kitchen"), as staff wrote it, per language (kabinet.utility.translated).
    location_lv = models.CharField(_("location (Latvian)"), max_length=100, blank=True)
    location_ru = models.CharField(_("location (Russian)"), max_length=100, blank=True)
    location_en = models.CharField(_("location (English)"), max_length=100, blank=True)
    location = translated("location", _("location"))
    # The register's digits: a value that falls below the previous one is a rollover
    # only if the previous value was near 10**digits_before_point.
    digits_before_point = models.PositiveSmallIntegerField(_("digits before the point"), default=5)
    digits_after_point = models.PositiveSmallIntegerField(_("digits after the point"), default=3)
    installed_on = models.DateField(_("installed on"))
    initial_reading = models.DecimalField(_("initial reading"), max_digits=14, decimal_places=3, default=Decimal("0"))
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    verification_due = models.DateField(_("verification due"), null=True, blank=True)
    seal_number = models.CharField(_("seal number"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MeterStatus.choices, default=MeterStatus.ACTIVE)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    final_reading = models.DecimalField(_("final reading"), max_digits=14, decimal_places=3, null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("replaced by"),
    )

    class Meta:
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        ordering = ["service__sort_order", "serial_number"]
        constraints = [
            # Files and e-mails name meters by serial: it must identify one active meter.
            models.UniqueConstraint(
                fields=["serial_number"],
                condition=Q(status="active"),
                name="meter_active_serial_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    digits_before_point__gte=1,
                    digits_before_point__lte=9,
                    digits_after_point__lte=3,
                ),
                name="meter_digits_range",
            ),
            models.CheckConstraint(condition=Q(initial_reading__gte=0), name="meter_initial_reading_not_negative"),
            models.CheckConstraint(
                condition=Q(status="active", removed_on__isnull=True) | ~Q(status="active"),
                name="meter_active_not_removed",
            ),
            models.CheckConstraint(
                condition=Q(verification_due__isnull=True)
                | Q(verified_on__isnull=True)
                | Q(verification_due__gt=F("verified_on")),
                name="meter_verification_due_after_verified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial_number} ({self.service_id and self.service.name})"

    @property
    def rollover_modulus(self) -> Decimal:
        return Decimal(10) ** self.digits_before_point

    def verification_expired(self, today: dt.date | None = None) -> bool:
        return verification_expired_on(self.verification_due, today or timezone.localdate())

    def verification_due_soon(self, today: dt.date | None = None, days: int = 30) -> bool:
        today = today or timezone.localdate()
        return self.verification_due is not None and today <= self.verification_due <= today + dt.timedelta(days=days)

    def clean(self) -> None:
        """The back office's meter form: a verification is a past event (the service desk's
        meter_work_apply() refuses a future date too)."""
        super().clean()
        if self.verified_on is not None and self.verified_on > timezone.localdate():
            raise ValidationError({"verified_on": _("The verification date cannot be in the future.")})


class ReadingSource(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", _("Mobile app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")
    PHONE = "phone", _("Phone (operator)")
    IVR = "ivr", _("Phone (answering machine)")
    INSPECTOR = "inspector", _("Inspector (control reading)")
    FILE = "file", _("Meter-reading file")
    STAFF = "staff", _("Staff")
    ESTIMATED = "estimated", _("Estimated")


class ReadingStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    ESTIMATED = "estimated", _("Estimated")
    SUPERSEDED = "superseded", _("Replaced by a later reading")
    QUEUED = "queued", _("Waiting for the window")


CURRENT_STATUSES = (ReadingStatus.ACCEPTED, ReadingStatus.ESTIMATED)


class ReadingFlag(models.TextChoices):
    LEAK = "leak", _("Possible leak or typo")
    CORRECTED = "corrected", _("Corrected by staff")


class Reading(models.Model):
    # Indexed by reading_meter_period_idx (meter first), no separate index.
    meter = models.ForeignKey(
        Meter, on_delete=models.PROTECT, related_name="readings", verbose_name=_("meter"), db_index=False
    )
    period = models.DateField(_("period"), help_text=_("The first day of the month the reading counts for"))
    value = models.DecimalField(_("value used"), max_digits=14, decimal_places=3)
    entered_value = models.CharField(_("value entered"), max_length=40, blank=True)
    consumption = models.DecimalField(_("consumption"), max_digits=14, decimal_places=3, null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    created = models.DateTimeField(_("received"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=10, choices=ReadingSource.choices)
    status = models.CharField(_("status"), max_length=10, choices=ReadingStatus.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    reason_text = models.TextField(_("reason text"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="+",
        verbose_name=_("entered by"),
    )
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="+",
        verbose_name=_("replaces"),
    )
    # The customer confirmed a value far above their history ("possible leak or typo").
    confirmed = models.BooleanField(_("confirmed by the customer"), default=False)
    # Something staff should look at (a suspected leak accepted from a channel that cannot ask).
    flag = models.CharField(_("flag"), max_length=20, blank=True, choices=ReadingFlag.choices)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    # No database constraint: the import creates the batch and its rows in one statement's
    # transaction, and a deferred check per row would double the cost of a million-row commit.
    batch = models.ForeignKey(
        "ReadingImport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="readings",
        verbose_name=_("imported from"),
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        ordering = ["-period", "-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "period"],
                condition=Q(status__in=["accepted", "estimated"]),
                name="reading_one_current_per_meter_period",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="reading_value_not_negative"),
            models.CheckConstraint(
                condition=Q(consumption__isnull=True) | Q(consumption__gte=0),
                name="reading_consumption_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["meter", "-period"], name="reading_meter_period_idx"),
            # Readings waiting for the window, found when it opens. Partial: a (status, period)
            # index over every reading would be written by each of a file's million rows.
            models.Index(fields=["period"], name="reading_queued_idx", condition=Q(status="queued")),
            models.Index(
                fields=["created"],
                name="reading_to_review_idx",
                condition=Q(reviewed_at__isnull=True) & (Q(status="rejected") | ~Q(flag="")),
            ),
            # Foreign keys that are empty for most rows (file and e-mail readings): index only
            # the rows that have them, so a million-row import maintains fewer indexes.
            models.Index(fields=["entered_by"], name="reading_entered_by_idx", condition=Q(entered_by__isnull=False)),
            models.Index(fields=["replaces"], name="reading_replaces_idx", condition=Q(replaces__isnull=False)),
            models.Index(
                fields=["reviewed_by"], name="reading_reviewed_by_idx", condition=Q(reviewed_by__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.period:%Y-%m} {self.value}"

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_STATUSES


class ReadingImport(models.Model):
    """One imported meter-reading file. The checksum of its bytes and the fingerprint of
    its rows (the same readings saved by another program, in another encoding or with
    other delimiters) make a re-import a no-op."""

    created = models.DateTimeField(_("imported"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("checksum"), max_length=64, unique=True)
    # Empty (NULL) for files imported before rows were fingerprinted.
    fingerprint = models.CharField(_("fingerprint of the rows"), max_length=64, null=True, blank=True, unique=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)

    class Meta:
        verbose_name = _("reading file import")
        verbose_name_plural = _("reading file imports")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created:%Y-%m-%d %H:%M})"


class InboundChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class InboundStatus(models.TextChoices):
    PROCESSED = "processed", _("Processed")
    UNPARSED = "unparsed", _("Not understood: waiting for staff")
    HANDLED = "handled", _("Handled by staff")


class InboundMessage(models.Model):
    """An e-mail or SMS with readings, kept as received; unparsed ones wait for staff."""

    received = models.DateTimeField(_("received"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=10, choices=InboundChannel.choices)
    # Message-ID or the gateway's message id: a redelivered message is processed once.
    external_id = models.CharField(_("message id"), max_length=255, unique=True)
    sender = models.CharField(_("from"), max_length=254)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=InboundStatus.choices)
    account_number = models.CharField(_("account"), max_length=20, blank=True)
    error = models.TextField(_("problem"), blank=True)
    readings = models.ManyToManyField(Reading, blank=True, related_name="+", verbose_name=_("readings"))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("e-mail or SMS with readings")
        verbose_name_plural = _("e-mails and SMS with readings")
        ordering = ["-received", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.sender} {self.received:%Y-%m-%d %H:%M}"


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
        db_table = "api_submissionkey"  # made by the api app before keys moved here
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="submission_key_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


def reading_photo_path(instance: "ReadingPhoto", filename: str) -> str:
    # The name is ours, never the uploader's: only the extension of the stored type.
    return f"readings/{instance.meter_id}/{instance.token}.{filename.rsplit('.', 1)[-1]}"


class ReadingPhoto(models.Model):
    """A photo of the meter sent with a reading (portal, API, Telegram). Stored privately
    (PRIVATE_MEDIA_ROOT, served by a view that checks the login), re-encoded without its
    EXIF data. It is uploaded before the reading (the customer first sees the value read
    from it) and linked to the reading once submitted; a refused reading keeps its photo."""

    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="photos", verbose_name=_("meter"))
    reading = models.ForeignKey(
        Reading,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="photos",
        verbose_name=_("reading"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    source = models.CharField(_("source"), max_length=10, choices=ReadingSource.choices)
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(storage=private_storage, upload_to=reading_photo_path, max_length=200)
    content_type = models.CharField(max_length=30)
    size = models.PositiveIntegerField()
    # The uploaded bytes' checksum: the same photo sent twice (a double click) is stored once.
    sha256 = models.CharField(max_length=64)
    # The value read from the photo (kabinet.meters.ocr), shown for the customer to confirm.
    suggested_value = models.CharField(_("value read from the photo"), max_length=40, blank=True)
    created = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("meter photo")
        verbose_name_plural = _("meter photos")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["uploaded_by", "sha256"], name="reading_photo_upload_idx")]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.created:%Y-%m-%d %H:%M}"
