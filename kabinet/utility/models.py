"""The deployment's own profile and rules, and the audit trail every service writes.

One UtilityProfile row per deployment (a database constraint keeps it at pk=1). Every
rule that differs between the reference utilities (reading window, precision, invoice
day, registration mode, averaging, penalties, currency) lives here, editable by staff.
"""

import calendar
import datetime as dt
import time
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.utility.translated import translated, translated_text


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    RUB = "RUB", "RUB"


class RegistrationMode(models.TextChoices):
    SELF_SERVICE = "self", _("Self-service with the client code")
    APPLICATION = "application", _("By application")
    STAFF_ONLY = "staff", _("Staff only")


class RegistrationProof(models.TextChoices):
    """What proves, beside the client code, that a customer holds the invoice. Not the
    account number: it is printed beside the client code, in the envelope's window."""

    AMOUNT = "amount", _("The amount to pay on the last invoice")
    AMOUNT_OR_NUMBER = "amount_or_number", _("The amount or the number of the last invoice")


class PenaltyPolicy(models.TextChoices):
    NONE = "none", _("No penalties")
    RU_155 = "ru155", _("Russia: Housing Code art. 155 (1/300, then 1/130 of the key rate)")
    LV_DAILY = "lv_daily", _("Latvia: daily percentage, capped at a share of the principal")


class BuildingDifferenceRule(models.TextChoices):
    """How a building meter's difference ("starpība", ОДН) is charged to the apartments
    (kabinet.billing.building_rules)."""

    OFF = "off", pgettext_lazy("building difference rule", "Not charged")
    LV_MK524 = "lv_mk524", _("Latvia: Cabinet Regulation No. 524")
    RU_ODN = "ru_odn", _("Russia: common-use volume (ОДН), by area")


class BuildingDifferenceSplit(models.TextChoices):
    EQUAL = "equal", pgettext_lazy("building difference split", "Equally per apartment")
    AREA = "area", pgettext_lazy("building difference split", "By area")
    RESIDENTS = "residents", pgettext_lazy("building difference split", "By residents")


class UtilityProfile(models.Model):
    # Identity and legal details
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60)
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=40, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    # Bank: IBAN/BIC (SEPA) or account/BIC/correspondent account (Russia)
    bank_name = models.CharField(_("bank name"), max_length=120, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_account = models.CharField(_("settlement account"), max_length=20, blank=True)
    correspondent_account = models.CharField(_("correspondent account"), max_length=20, blank=True)
    # Contacts
    address = models.CharField(_("address"), max_length=300, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    phone_emergency = models.CharField(_("emergency line"), max_length=40, blank=True)
    phone_reception = models.CharField(_("reception"), max_length=40, blank=True)
    phone_readings = models.CharField(_("readings line"), max_length=40, blank=True)
    # Texts staff write are kept per language (kabinet.utility.translated).
    opening_hours_lv = models.TextField(_("opening hours (Latvian)"), blank=True)
    opening_hours_ru = models.TextField(_("opening hours (Russian)"), blank=True)
    opening_hours_en = models.TextField(_("opening hours (English)"), blank=True)
    opening_hours = translated("opening_hours", _("opening hours"))
    # Readings without a login: where customers send them (reminders and replies name them).
    readings_email = models.EmailField(
        _("e-mail address for readings"),
        blank=True,
        help_text=_("The mailbox read every five minutes for readings. Leave empty when readings by e-mail are off."),
    )
    readings_sms_number = models.CharField(
        _("phone number for readings by SMS"),
        max_length=40,
        blank=True,
        help_text=_("The number of the SMS gateway. Leave empty when readings by SMS are off."),
    )
    # Money and languages
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    languages = models.CharField(
        _("languages"),
        max_length=20,
        default="lv,ru,en",
        help_text=_("Comma-separated: lv, ru, en"),
    )
    # Reading window: first_day .. last_day of the month (0 = the month's last day)
    reading_window_first_day = models.PositiveSmallIntegerField(_("reading window: first day"), default=27)
    reading_window_last_day = models.PositiveSmallIntegerField(
        _("reading window: last day"), default=0, help_text=_("0 means the last day of the month")
    )
    # A reading after the window: kept for the next period (the default), or refused with
    # the window named, for utilities whose rules say so.
    after_window = models.CharField(
        _("a reading after the window"),
        max_length=12,
        choices=[
            ("next_period", _("counts for the next period")),
            ("refuse", _("is refused, with the window named")),
        ],
        default="next_period",
    )
    leak_factor = models.DecimalField(
        _("leak warning factor"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        help_text=_("A reading whose consumption exceeds the recent average this many times asks for confirmation"),
    )
    # Billing calendar
    invoice_day = models.PositiveSmallIntegerField(_("invoice day"), default=10)
    payment_due_day = models.PositiveSmallIntegerField(_("payment due day"), default=25)
    # The beat's hourly `billing_on_invoice_day` (kabinet/billing/schedule.py).
    scheduled_billing = models.CharField(
        _("billing on the invoice day"),
        max_length=8,
        choices=[
            ("off", _("off: staff start each run")),
            ("draft", _("the run is prepared for staff to publish")),
            ("publish", _("the run is prepared and published")),
        ],
        default="draft",
        help_text=_(
            "From the invoice day on, the previous month is billed unless it already has a run"
            " (a cancelled run is not started again)."
        ),
    )
    # Customer access
    registration_mode = models.CharField(
        _("registration mode"),
        max_length=20,
        choices=RegistrationMode.choices,
        default=RegistrationMode.SELF_SERVICE,
    )
    registration_proof = models.CharField(
        _("proof of the invoice at registration"),
        max_length=20,
        choices=RegistrationProof.choices,
        default=RegistrationProof.AMOUNT,
        help_text=_("Choose “or the number” only if the invoice number is not visible through the envelope."),
    )
    reset_by_account_and_phone = models.BooleanField(_("password reset by account number and phone"), default=False)
    # Missing readings (RF Government Decree 354, p. 59-60)
    average_history_months = models.PositiveSmallIntegerField(_("months of history to average"), default=6)
    average_min_months = models.PositiveSmallIntegerField(_("minimum months of history (newer meter)"), default=3)
    average_max_periods = models.PositiveSmallIntegerField(_("periods billed by average"), default=6)
    average_max_periods_failed = models.PositiveSmallIntegerField(
        _("periods billed by average after a failed or expired meter"), default=3
    )
    average_enabled = models.BooleanField(_("bill missing readings by average"), default=True)
    norm_coefficient_failed = models.DecimalField(
        _("norm coefficient after a failed or expired meter"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
    )
    # Penalties
    penalty_policy = models.CharField(
        _("penalty policy"),
        max_length=20,
        choices=PenaltyPolicy.choices,
        default=PenaltyPolicy.NONE,
    )
    penalty_grace_days = models.PositiveSmallIntegerField(_("penalty-free days after the due date"), default=30)
    penalty_daily_percent = models.DecimalField(
        _("daily penalty, % (Latvian policy)"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.0500"),
    )
    penalty_cap_percent = models.DecimalField(
        # xgettext:no-python-format
        _("penalty cap, % of principal"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
    )
    # ЖК РФ ст.155 ч.14: penalties accrue through the day of actual payment inclusive, so a
    # payment lowers the penalty base from the next day (kabinet.billing.penalties).
    penalty_payment_lag_days = models.PositiveSmallIntegerField(
        _("a payment lowers the penalty base after, days"),
        default=1,
        help_text=_("1: from the day after the payment (the debt is owed through the day it is paid)."),
    )

    # Building meters: the difference between a building's meter and its apartments.
    building_difference_rule = models.CharField(
        _("building meter difference"),
        max_length=10,
        choices=BuildingDifferenceRule.choices,
        default=BuildingDifferenceRule.OFF,
    )
    # MK 524 leaves the split to the owners' decision; the utility records the one it applies.
    building_difference_split = models.CharField(
        _("building meter difference: split"),
        max_length=10,
        choices=BuildingDifferenceSplit.choices,
        default=BuildingDifferenceSplit.EQUAL,
    )
    # ПП 354 п.44: the ОДН volume charged to residents is at most the norm for common use
    # × the common area. Empty: not capped.
    odn_norm_per_m2 = models.DecimalField(
        _("ОДН norm, m³ per m² of common area a month"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("utility profile")
        verbose_name_plural = _("utility profile")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="utility_profile_singleton"),
            models.CheckConstraint(
                condition=Q(reading_window_first_day__gte=1, reading_window_first_day__lte=31),
                name="utility_window_first_day_range",
            ),
            models.CheckConstraint(
                condition=Q(reading_window_last_day__gte=0, reading_window_last_day__lte=31),
                name="utility_window_last_day_range",
            ),
            models.CheckConstraint(
                condition=Q(invoice_day__gte=1, invoice_day__lte=28),
                name="utility_invoice_day_range",
            ),
            models.CheckConstraint(
                condition=Q(payment_due_day__gte=1, payment_due_day__lte=28),
                name="utility_due_day_range",
            ),
            models.CheckConstraint(condition=Q(leak_factor__gt=1), name="utility_leak_factor_gt_1"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        _profile_cache.clear()

    @classmethod
    def get(cls) -> "UtilityProfile":
        """The deployment's profile. Read on every page, so it is cached per process for
        PROFILE_CACHE_SECONDS; a save in this process clears it at once, other workers
        see the change within that time."""
        cached = _profile_cache.get("profile")
        now = time.monotonic()
        if cached is None or now - cached[1] > PROFILE_CACHE_SECONDS:
            profile = cls.objects.filter(pk=1).first() or cls(pk=1, name="Kabinet", short_name="Kabinet")
            _profile_cache["profile"] = (profile, now)
            return profile
        return cached[0]

    @property
    def language_codes(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    # --- the reading window ----------------------------------------------------
    def window_last_day(self, period: dt.date) -> int:
        month_end = calendar.monthrange(period.year, period.month)[1]
        if self.reading_window_last_day == 0:
            return month_end
        return min(self.reading_window_last_day, month_end)

    def window_for(self, period: dt.date) -> tuple[dt.date, dt.date]:
        """First and last day on which readings for `period` (first of month) are accepted."""
        month_end = calendar.monthrange(period.year, period.month)[1]
        first = period.replace(day=min(self.reading_window_first_day, month_end))
        return first, period.replace(day=self.window_last_day(period))

    def window_contains(self, day: dt.date) -> bool:
        first, last = self.window_for(day.replace(day=1))
        return first <= day <= last


PROFILE_CACHE_SECONDS = 30
_profile_cache: dict[str, tuple[UtilityProfile, float]] = {}


class Event(models.Model):
    """An audit trail row: who did what to which object, written by services."""

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("audit trail")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.kind_label}"

    @property
    def kind_label(self) -> str:
        from kabinet.utility.event_kinds import event_kind_label

        return event_kind_label(self.kind)


class Unit(models.TextChoices):
    M3 = "m3", _("m³")
    KWH = "kwh", _("kWh")
    GCAL = "gcal", _("Gcal")
    M2 = "m2", _("m²")
    PERSON = "person", _("person")
    MONTH = "month", _("month")


class Basis(models.TextChoices):
    """How a service is charged."""

    METERED = "metered", _("by meter")
    PER_M2 = "per_m2", _("per m² of area")
    PER_RESIDENT = "per_resident", _("per resident")
    FIXED = "fixed", _("fixed monthly")


class Service(models.Model):
    """A service the utility bills: cold water, hot water, sewerage, gas, maintenance…"""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_lv = models.CharField(_("name (Latvian)"), max_length=100)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    short_names = models.CharField(
        _("short names"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated words customers use for it in e-mail and SMS (ХВС, auksts, cold)"),
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    basis = models.CharField(_("charged"), max_length=20, choices=Basis.choices, default=Basis.METERED)
    vat_rate = models.DecimalField(_("VAT, %"), max_digits=5, decimal_places=2, default=Decimal("0"))
    # Precision of readings: whole numbers (0) with the fraction dropped, or up to 3 decimals.
    reading_decimals = models.PositiveSmallIntegerField(_("reading decimals kept"), default=3)
    # A service billed on other services' volume (sewerage = cold + hot water).
    volume_of = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="+",
        verbose_name=_("billed on the volume of"),
    )
    # Meters of this service must be verified this many years after the last verification.
    verification_interval_years = models.PositiveSmallIntegerField(_("verification interval, years"), default=6)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(reading_decimals__lte=3), name="service_reading_decimals_lte_3"),
            models.CheckConstraint(condition=Q(vat_rate__gte=0, vat_rate__lt=100), name="service_vat_rate_range"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_unit_display(self) -> str:
        # Django's own rebuilds a dict of every choice, hashing each lazy label, on every
        # call; every reading receipt shows the unit.
        try:
            return str(Unit(self.unit).label)
        except ValueError:
            return self.unit

    @property
    def name(self) -> str:
        return translated_text(self, "name")
