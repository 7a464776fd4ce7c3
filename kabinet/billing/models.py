"""Billing: tariffs, norms, invoices and the ledger.

Design overview
---------------
* Money is Decimal with two places; lines are rounded one by one (ROUND_HALF_UP) and an
  invoice's total is the sum of its rounded lines (a database constraint checks the
  invoice's arithmetic).
* The balance of an account is the sum of its LedgerEntry rows, never a stored number:
  a positive amount increases what the customer owes (an invoice, a penalty), a
  negative one decreases it (a payment, a credit correction).
* One invoice per account and period, numbered without gaps per year (InvoiceCounter
  hands out number blocks inside the billing transaction).
* Published invoices are never edited: mistakes are corrected by a correction line in
  the next period.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Account
from kabinet.utility.models import Service

MONEY = {"max_digits": 14, "decimal_places": 2}


class Tariff(models.Model):
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tariffs", verbose_name=_("service"))
    price = models.DecimalField(_("price per unit, without VAT"), max_digits=14, decimal_places=5)
    vat_rate = models.DecimalField(_("VAT, %"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Inclusive; empty = open-ended"))

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["service", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="tariff_price_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="tariff_valid_range",
            ),
            models.UniqueConstraint(fields=["service", "valid_from"], name="tariff_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.service.code} {self.price} from {self.valid_from}"


class Norm(models.Model):
    """Consumption norm per resident per month, used when nothing better is known."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="norms", verbose_name=_("service"))
    per_resident = models.DecimalField(_("per resident per month"), max_digits=10, decimal_places=4)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("norm")
        verbose_name_plural = _("norms")
        ordering = ["service", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(per_resident__gte=0), name="norm_not_negative"),
            models.UniqueConstraint(fields=["service", "valid_from"], name="norm_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.service.code} {self.per_resident} from {self.valid_from}"


class Subscription(models.Model):
    """A service an account is billed for (metered services also need a meter)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="subscriptions")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="subscriptions")
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscribed service")
        verbose_name_plural = _("subscribed services")
        constraints = [models.UniqueConstraint(fields=["account", "service", "valid_from"], name="subscription_unique")]

    def __str__(self) -> str:
        return f"{self.account} {self.service.code}"


class KeyRate(models.Model):
    """The central bank's key rate over time (Russian penalties)."""

    valid_from = models.DateField(_("valid from"), unique=True)
    rate = models.DecimalField(_("rate, % a year"), max_digits=6, decimal_places=3)

    class Meta:
        verbose_name = _("key rate")
        verbose_name_plural = _("key rates")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.rate}% from {self.valid_from}"


class RunStatus(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    RUNNING = "running", _("Running")
    DRAFT = "draft", _("Issued, not published")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class BillingRun(models.Model):
    period = models.DateField(_("period"))
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    created = models.DateTimeField(_("started"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invoice_count = models.PositiveIntegerField(_("invoices"), default=0)
    total = models.DecimalField(_("total"), default=Decimal("0"), **MONEY)

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=~Q(status="cancelled") & ~Q(status="preview"),
                name="billing_run_one_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} ({self.status})"


class InvoiceCounter(models.Model):
    """The last invoice number used in a year: invoices are numbered without gaps."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class Invoice(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("account"))
    period = models.DateField(_("period"))
    run = models.ForeignKey(BillingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices")
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    # The account's balance at the previous invoice, and payments since then.
    previous_balance = models.DecimalField(_("previous balance"), default=Decimal("0"), **MONEY)
    payments_received = models.DecimalField(_("payments received"), default=Decimal("0"), **MONEY)
    total = models.DecimalField(_("charges for the period"), default=Decimal("0"), **MONEY)
    vat_total = models.DecimalField(_("of which VAT"), default=Decimal("0"), **MONEY)
    amount_due = models.DecimalField(_("to pay"), default=Decimal("0"), **MONEY)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="invoice_one_per_account_period"),
            models.UniqueConstraint(fields=["year", "seq"], name="invoice_number_unique_per_year"),
            models.CheckConstraint(
                condition=Q(amount_due=F("previous_balance") - F("payments_received") + F("total")),
                name="invoice_amount_due_arithmetic",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class LineKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    CORRECTION = "correction", _("Correction")
    PENALTY = "penalty", _("Penalty")


class Method(models.TextChoices):
    METERED = "metered", _("by meter reading")
    AVERAGE = "average", _("by average consumption")
    NORM = "norm", _("by norm")
    NORM_COEFFICIENT = "norm_coef", _("by norm with increasing coefficient")
    AREA = "area", _("by area")
    RESIDENTS = "residents", _("by residents")
    FIXED = "fixed", _("fixed")
    PARENT = "parent", _("by the volume of other services")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices, default=LineKind.CHARGE)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4, default=Decimal("0"))
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=5, default=Decimal("0"))
    amount = models.DecimalField(_("amount without VAT"), **MONEY)
    vat_rate = models.DecimalField(_("VAT, %"), max_digits=5, decimal_places=2, default=Decimal("0"))
    vat = models.DecimalField(_("VAT"), default=Decimal("0"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    # Readings used (for the receipt): previous and current values per meter.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(total=F("amount") + F("vat")), name="invoice_line_total_arithmetic"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.description} {self.total}"


class EntryKind(models.TextChoices):
    OPENING = "opening", _("Opening balance")
    INVOICE = "invoice", _("Invoice")
    PAYMENT = "payment", _("Payment")
    REVERSAL = "reversal", _("Payment reversal")
    CORRECTION = "correction", _("Correction")
    PENALTY = "penalty", _("Penalty")


class LedgerEntry(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="ledger_entries")
    posted_on = models.DateField(_("date"))
    created = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount (+ owed, − paid)"), **MONEY)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries")
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger")
        ordering = ["posted_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero"),
            # An invoice is posted once.
            models.UniqueConstraint(fields=["invoice"], condition=Q(kind="invoice"), name="ledger_invoice_posted_once"),
        ]
        indexes = [models.Index(fields=["account", "posted_on"], name="ledger_account_date_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.posted_on} {self.amount}"
