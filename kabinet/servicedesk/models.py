"""Service requests ("call a specialist") with a status pipeline.

A ServiceRequest belongs to one account and its premises. Its status moves only along
TRANSITIONS, through services.request_set_status(), which records every change as a
StatusChange row and an Event and e-mails the customer. Categories (leak, no water,
meter work, …) are staff-editable rows with a deadline; an emergency category shows the
emergency line at once. Meter categories carry a meter and, when done, update it.
Photos are files under PRIVATE_MEDIA_ROOT served by a view that checks the owner.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Account, Premises
from kabinet.meters.models import Meter
from kabinet.utility.storage import private_storage

REOPEN_DAYS = 14
MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DESCRIPTION = 4000
MAX_COMMENT = 4000


class MeterWork(models.TextChoices):
    """What a meter category does to the meter when the request is done."""

    NONE = "", _("No meter work")
    VERIFICATION = "verification", _("Verification (new verification date)")
    REPLACEMENT = "replacement", _("Replacement (new meter)")
    SEALING = "sealing", _("Sealing (new seal number)")


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_lv = models.CharField(_("name (Latvian)"), max_length=100)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    deadline_hours = models.PositiveIntegerField(
        _("deadline, hours"), default=72, help_text=_("A request not done this long after filing is overdue")
    )
    is_emergency = models.BooleanField(
        _("emergency"), default=False, help_text=_("The customer is shown the emergency line at once")
    )
    meter_work = models.CharField(_("meter work"), max_length=20, choices=MeterWork.choices, blank=True, default="")
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["sort_order", "id"]
        constraints = [models.CheckConstraint(condition=Q(deadline_hours__gte=1), name="category_deadline_positive")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "lv")[:2]
        return getattr(self, f"name_{lang}", None) or self.name_en

    @property
    def needs_meter(self) -> bool:
        return bool(self.meter_work)


class RequestStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")
    REOPENED = "reopened", _("Reopened")


S = RequestStatus
# The pipeline: every status change not listed here is refused by request_set_status().
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ACCEPTED, S.SCHEDULED, S.REJECTED}),
    S.REOPENED: frozenset({S.ACCEPTED, S.SCHEDULED, S.IN_PROGRESS, S.REJECTED}),
    S.ACCEPTED: frozenset({S.SCHEDULED, S.IN_PROGRESS, S.REJECTED}),
    S.SCHEDULED: frozenset({S.SCHEDULED, S.IN_PROGRESS, S.REJECTED}),
    S.IN_PROGRESS: frozenset({S.SCHEDULED, S.DONE}),
    S.DONE: frozenset({S.REOPENED}),
    S.REJECTED: frozenset(),
}
OPEN_STATUSES = (S.NEW, S.REOPENED, S.ACCEPTED, S.SCHEDULED, S.IN_PROGRESS)
CLOSED_STATUSES = (S.DONE, S.REJECTED)


class ServiceRequest(models.Model):
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("account")
    )
    premises = models.ForeignKey(
        Premises, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("premises")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="requests", verbose_name=_("category")
    )
    meter = models.ForeignKey(
        Meter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("meter"),
    )
    description = models.TextField(_("description"), max_length=MAX_DESCRIPTION)
    phone = models.CharField(_("contact phone"), max_length=30)
    preferred_time = models.CharField(_("preferred time"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.NEW, db_index=True
    )
    created = models.DateTimeField(_("filed"), default=timezone.now, db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    due_at = models.DateTimeField(_("deadline"))
    scheduled_for = models.DateTimeField(_("visit scheduled for"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests",
        verbose_name=_("filed by"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_service_requests",
        verbose_name=_("technician"),
        limit_choices_to={"is_staff": True},
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True, max_length=2000)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # The form's one-time key: a double click or a resent form files one request, not two.
    submit_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="request_rating_1_5"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""), name="request_rejected_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_for__isnull=False), name="request_scheduled_has_time"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(status="done"), name="request_rated_only_when_done"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="request_queue_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category_id and self.category.name}"

    @property
    def number(self) -> str:
        return f"{self.pk:06d}" if self.pk else ""

    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.is_open() and self.due_at < (now or timezone.now())

    def allowed_next(self) -> frozenset[str]:
        return TRANSITIONS[self.status]

    def can_reopen(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == S.DONE
            and self.closed_at is not None
            and now - self.closed_at <= dt.timedelta(days=REOPEN_DAYS)
        )

    def can_rate(self) -> bool:
        return self.status == S.DONE and self.rating is None


class StatusChange(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="status_changes")
    created = models.DateTimeField(_("when"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=20, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=RequestStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status} → {self.to_status}"


class Comment(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="comments")
    created = models.DateTimeField(_("when"), default=timezone.now)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField(_("comment"), max_length=MAX_COMMENT)
    internal = models.BooleanField(_("internal (staff only)"), default=False)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.text[:40]}"


def photo_path(instance: "Photo", filename: str) -> str:
    # The name is ours, never the uploader's: only the extension of the detected type.
    return f"servicedesk/{instance.request_id}/{instance.token}.{filename.rsplit('.', 1)[-1]}"


class Photo(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(storage=private_storage, upload_to=photo_path, max_length=200)
    content_type = models.CharField(max_length=30)
    size = models.PositiveIntegerField()
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name or self.token
