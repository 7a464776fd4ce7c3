"""Building meters and the building balance per period (imported by billing.models).

Why separate models and not meters.Meter with a nullable premises: every door of the
meters app (reading_submit, the portal, the API, reading files, reminders) and the run's
chunk loader treat a Meter as an apartment's; a building meter is read by staff only,
billed to nobody directly, and may not leak into those paths. Two small tables with their
own constraints keep the apartment meter's invariants as they are.

A BuildingBalance is computed once per (building, service, period) before the run
(kabinet.billing.building.building_balances_compute), reviewed by staff, and its shares
(BuildingShare, one per apartment) are billed by the run as their own lines.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.customers.models import Account, Building, Premises
from kabinet.utility.models import Service

VOLUME = {"max_digits": 14, "decimal_places": 3}
HALF_MILLI = Decimal("0.0005")


class BuildingMeter(models.Model):
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="common_meters", verbose_name=_("building")
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    serial_number = models.CharField(_("serial number"), max_length=40)
    installed_on = models.DateField(_("installed on"))
    initial_reading = models.DecimalField(_("initial reading"), default=Decimal("0"), **VOLUME)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    # The area of the building's common property, for the ОДН cap (norm × common area).
    # Kept here because customers.Building has no such field yet.
    common_area = models.DecimalField(_("common area, m²"), max_digits=9, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("building meter")
        verbose_name_plural = _("building meters")
        ordering = ["building", "service", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["serial_number"], condition=Q(removed_on__isnull=True), name="building_meter_serial_unique"
            ),
            models.CheckConstraint(condition=Q(initial_reading__gte=0), name="building_meter_initial_not_negative"),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=F("installed_on")),
                name="building_meter_removed_after_installed",
            ),
            models.CheckConstraint(
                condition=Q(common_area__isnull=True) | Q(common_area__gte=0), name="building_meter_common_area"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial_number} ({self.building})"


class BuildingReading(models.Model):
    meter = models.ForeignKey(
        BuildingMeter, on_delete=models.PROTECT, related_name="readings", verbose_name=_("building meter")
    )
    period = models.DateField(_("period"))
    value = models.DecimalField(_("reading"), **VOLUME)
    created = models.DateTimeField(pgettext_lazy("building meter reading", "entered"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("building meter reading")
        verbose_name_plural = _("building meter readings")
        ordering = ["-period", "meter"]
        constraints = [
            models.UniqueConstraint(fields=["meter", "period"], name="building_reading_one_per_period"),
            models.CheckConstraint(condition=Q(value__gte=0), name="building_reading_not_negative"),
            models.CheckConstraint(condition=Q(period__day=1), name="building_reading_period_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.period:%m.%Y}: {self.value}"


class BalanceStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("building balance", "Draft")
    REVIEWED = "reviewed", pgettext_lazy("building balance", "Reviewed")


BALANCE_TRANSITIONS = {BalanceStatus.DRAFT: {BalanceStatus.REVIEWED}, BalanceStatus.REVIEWED: set()}


class BalanceFlag(models.TextChoices):
    NONE = "", pgettext_lazy("building balance flag", "None")
    NEGATIVE = "negative", _("The apartments' volume is above the building meter's")
    NO_READING = "no_reading", _("The building meter has no reading for the period")
    CAPPED = "capped", _("Capped by the norm for common use")


class BuildingBalance(models.Model):
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+", verbose_name=_("building"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    period = models.DateField(_("period"))
    rule = models.CharField(pgettext_lazy("building balance", "rule"), max_length=10)
    building_volume = models.DecimalField(_("building meter volume"), **VOLUME)
    apartments_volume = models.DecimalField(_("apartments' volume"), **VOLUME)
    difference = models.DecimalField(pgettext_lazy("building balance", "difference"), **VOLUME)
    distributed = models.DecimalField(pgettext_lazy("building balance", "distributed"), default=Decimal("0"), **VOLUME)
    flag = models.CharField(_("flag"), max_length=10, choices=BalanceFlag.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BalanceStatus.choices, default=BalanceStatus.DRAFT)
    computed = models.DateTimeField(pgettext_lazy("building balance", "computed"), auto_now=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("building balance")
        verbose_name_plural = _("building balances")
        ordering = ["-period", "building", "service"]
        constraints = [
            models.UniqueConstraint(fields=["building", "service", "period"], name="building_balance_one_per_period"),
            models.CheckConstraint(condition=Q(distributed__gte=0), name="building_balance_distributed_not_negative"),
            # Within half a thousandth: exact on PostgreSQL, robust to SQLite's float decimals.
            models.CheckConstraint(
                condition=Q(
                    difference__gt=F("building_volume") - F("apartments_volume") - HALF_MILLI,
                    difference__lt=F("building_volume") - F("apartments_volume") + HALF_MILLI,
                ),
                name="building_balance_difference_arithmetic",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(reviewed_at__isnull=False), name="building_balance_reviewed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.period:%m.%Y}"

    def can_become(self, status: str) -> bool:
        return status in BALANCE_TRANSITIONS.get(self.status, set())


class BuildingShare(models.Model):
    """An apartment's part of a balance, billed on its account's invoice for the period."""

    balance = models.ForeignKey(BuildingBalance, on_delete=models.CASCADE, related_name="shares")
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="+", verbose_name=_("premises"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("account"))
    volume = models.DecimalField(pgettext_lazy("building balance", "volume"), **VOLUME)
    reason = models.CharField(_("reason"), max_length=30)

    class Meta:
        verbose_name = _("building difference share")
        verbose_name_plural = _("building difference shares")
        ordering = ["balance", "premises"]
        constraints = [
            models.UniqueConstraint(fields=["balance", "premises"], name="building_share_one_per_premises"),
            models.CheckConstraint(condition=Q(volume__gt=0), name="building_share_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.premises_id}: {self.volume}"
