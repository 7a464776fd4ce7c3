"""The inspector's round (ПП 354 п. 82-85: the utility checks each meter at least once a year).

Staff plan a Route: a day, an inspector and an ordered list of premises (RouteStop). On a
phone the inspector records each stop's outcome and, per meter, a ControlCheck: the
control value, the seal and the meter's condition, a photo. A check is compared with the
customer's last reading (kabinet.inspection.rules); a difference beyond the tolerance,
a broken seal or a damaged meter flags it for staff, who accept it as the billing reading
(it then enters billing through the one readings door as a reading from the inspector) or
dismiss it.

Checks are sent from a phone that may be offline: each stop's form carries a client UUID
made on the device, and (client_uuid, meter) is unique, so a resent form stores nothing new.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.customers.models import Premises
from kabinet.meters.models import Meter, Reading
from kabinet.utility.storage import private_storage


class RouteStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("route", "Planned")
    DONE = "done", pgettext_lazy("route", "Done")
    CANCELLED = "cancelled", pgettext_lazy("route", "Cancelled")


class Route(models.Model):
    date = models.DateField(_("date"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspection_routes",
        verbose_name=_("inspector"),
    )
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=RouteStatus.choices, default=RouteStatus.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("planned by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("inspection route")
        verbose_name_plural = _("inspection routes")
        ordering = ["-date", "name", "id"]
        indexes = [models.Index(fields=["inspector", "date"], name="route_inspector_date_idx")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class StopOutcome(models.TextChoices):
    DONE = "done", _("Checked")
    NO_ACCESS = "no_access", _("No access")
    REFUSED = "refused", _("Refused access")


class RouteStop(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops", verbose_name=_("route"))
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="+", verbose_name=_("premises"))
    order = models.PositiveIntegerField(_("order"), default=0)
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=StopOutcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        ordering = ["route", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["route", "premises"], name="routestop_premises_once_per_route"),
            models.CheckConstraint(
                condition=Q(outcome="", visited_at__isnull=True) | (~Q(outcome="") & Q(visited_at__isnull=False)),
                name="routestop_outcome_with_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.premises}"


class CheckStatus(models.TextChoices):
    OK = "ok", _("Matches")
    FLAGGED = "flagged", _("To review")
    ACCEPTED = "accepted", _("Accepted for billing")
    DISMISSED = "dismissed", _("Dismissed")


# Staff review a flagged check once: accepted or dismissed, never back.
TRANSITIONS = {
    CheckStatus.FLAGGED: {CheckStatus.ACCEPTED, CheckStatus.DISMISSED},
    CheckStatus.OK: set(),
    CheckStatus.ACCEPTED: set(),
    CheckStatus.DISMISSED: set(),
}


def photo_path(instance: "ControlCheck", filename: str) -> str:
    # Our name, never the uploader's: the UUID and the extension of the detected type.
    return f"inspection/{instance.meter_id}/{instance.client_uuid}.{filename.rsplit('.', 1)[-1]}"


class ControlCheck(models.Model):
    stop = models.ForeignKey(RouteStop, on_delete=models.PROTECT, related_name="checks", verbose_name=_("stop"))
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="+", verbose_name=_("meter"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    # Empty when the register cannot be read (a broken or fogged meter): the condition says why.
    value = models.DecimalField(_("control reading"), max_digits=14, decimal_places=3, null=True, blank=True)
    seal_intact = models.BooleanField(_("seal intact"), default=True)
    damaged = models.BooleanField(_("meter damaged"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    photo = models.FileField(_("photo"), storage=private_storage, upload_to=photo_path, max_length=200, blank=True)
    photo_type = models.CharField(max_length=30, blank=True)
    taken_at = models.DateTimeField(_("taken at"))
    received = models.DateTimeField(_("received"), default=timezone.now)
    client_uuid = models.UUIDField(_("device key"), default=uuid.uuid4)
    # The customer's last reading when the check arrived, and control minus it.
    customer_value = models.DecimalField(
        _("customer's last reading"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    difference = models.DecimalField(_("difference"), max_digits=14, decimal_places=3, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CheckStatus.choices, default=CheckStatus.OK)
    # Why it was flagged (rules.check_verdict): "difference,seal,damaged,unreadable".
    reasons = models.CharField(_("reasons"), max_length=60, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    # The reading the accepted check became (source "inspector").
    reading = models.ForeignKey(
        Reading, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("reading")
    )

    class Meta:
        verbose_name = _("control check")
        verbose_name_plural = _("control checks")
        ordering = ["-taken_at", "-id"]
        constraints = [
            # A form resent from the phone (offline queue, lost answer) is the same check.
            models.UniqueConstraint(fields=["client_uuid", "meter"], name="controlcheck_uuid_meter_unique"),
            models.UniqueConstraint(fields=["stop", "meter"], name="controlcheck_one_per_stop_meter"),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="controlcheck_value_gte_0"),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(reading__isnull=False), name="controlcheck_accepted_has_reading"
            ),
        ]
        indexes = [
            models.Index(fields=["received"], name="controlcheck_flagged_idx", condition=Q(status="flagged")),
            models.Index(fields=["meter", "-taken_at"], name="controlcheck_meter_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.taken_at:%Y-%m-%d} {self.value}"

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.reasons.split(",") if code]

    @property
    def condition_bad(self) -> bool:
        """A broken seal or a damaged meter: out of service from the check (ПП 354 п. 81(12))."""
        return not self.seal_intact or self.damaged
