"""Billing: tariffs, norms, invoices and the ledger.

Design overview
---------------
* Money is Decimal with two places; lines are rounded one by one (ROUND_HALF_UP) and an
  invoice's total is the sum of its rounded lines (a database constraint checks the
  invoice's arithmetic).
* The balance of an account is the sum of its LedgerEntry rows, never a number edited
  by hand: a positive amount increases what the customer owes (an invoice, a penalty),
  a negative one decreases it (a payment, a credit correction). AccountBalance holds
  that sum per account, kept by database triggers in the statement that inserts,
  changes or deletes entries (see kabinet.billing.balances): readers add the few
  entries dated after the day they ask about instead of summing years of history.
* One invoice per account and period (a unique constraint), numbered without gaps per
  year. A billing run writes its invoices as unnumbered drafts, chunk by chunk, each
  chunk in one transaction (a killed run resumes with the chunks not yet committed);
  publishing numbers them in one block taken from InvoiceCounter inside the publishing
  transaction and posts them to the ledger. Cancelling a run before publication deletes
  its drafts: no number was handed out, so no gap can appear.
* Published invoices are never edited: mistakes are corrected by a correction line in
  the next period.
* The ledger keeps penalties apart (EntryKind.PENALTY): the principal debt is the sum of
  the other entries, so no penalty is charged on a penalty.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kabinet.customers.models import Account
from kabinet.utility.models import Service

MONEY = {"max_digits": 14, "decimal_places": 2}
HALF_CENT = Decimal("0.005")


class Tariff(models.Model):
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tariffs", verbose_name=_("service"))
    price = models.DecimalField(_("price per unit"), max_digits=14, decimal_places=5)
    # False keeps the meaning every tariff had before the field existed: a net price.
    vat_included = models.BooleanField(
        _("price includes VAT"),
        default=False,
        help_text=_(
            "Tick for a price published with VAT (household tariffs in Russia): a line then costs "
            "exactly price × quantity, of which VAT is total × rate / (100 + rate). Unticked, the "
            "price is without VAT and VAT is added to it."
        ),
    )
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
        return _("%(service)s %(value)s from %(date)s") % {
            "service": self.service.name,
            "value": self.price,
            "date": date_format(self.valid_from, "SHORT_DATE_FORMAT"),
        }


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
        return _("%(service)s %(value)s from %(date)s") % {
            "service": self.service.name,
            "value": self.per_resident,
            "date": date_format(self.valid_from, "SHORT_DATE_FORMAT"),
        }


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
        return f"{self.account} {self.service.name}"


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


RUN_TRANSITIONS = {
    RunStatus.RUNNING: {RunStatus.DRAFT, RunStatus.CANCELLED},
    RunStatus.DRAFT: {RunStatus.PUBLISHED, RunStatus.CANCELLED},
    RunStatus.PUBLISHED: set(),
    RunStatus.CANCELLED: set(),
    RunStatus.PREVIEW: set(),
}


class BillingRun(models.Model):
    period = models.DateField(_("period"))
    issued_on = models.DateField(_("invoice date"), null=True, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    created = models.DateTimeField(_("started"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invoice_count = models.PositiveIntegerField(_("invoices"), default=0)
    total = models.DecimalField(_("total"), default=Decimal("0"), **MONEY)
    # Totals per service and method, accounts billed by average or norm, anomalies.
    summary = models.JSONField(_("summary"), default=dict, blank=True)

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

    def can_become(self, status: str) -> bool:
        return status in RUN_TRANSITIONS.get(self.status, set())


class ChunkStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")


class BillingChunk(models.Model):
    """A range of account ids billed in one transaction. Workers claim pending chunks
    with SELECT … FOR UPDATE SKIP LOCKED: a worker that dies rolls its chunk back and
    leaves it pending for the next one."""

    run = models.ForeignKey(BillingRun, on_delete=models.CASCADE, related_name="chunks")
    first_account_id = models.BigIntegerField()
    last_account_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=ChunkStatus.choices, default=ChunkStatus.PENDING)
    invoice_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(default=Decimal("0"), **MONEY)
    summary = models.JSONField(default=dict, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("billing chunk")
        verbose_name_plural = _("billing chunks")
        ordering = ["run", "first_account_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "first_account_id"], name="billing_chunk_unique_start"),
            models.CheckConstraint(condition=Q(last_account_id__gte=F("first_account_id")), name="billing_chunk_range"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.first_account_id}-{self.last_account_id} ({self.status})"


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
    # No single-column indexes on account and run: the (account, period) and (run, status)
    # indexes below serve those lookups, and every index is written once per invoice by
    # the billing run (a million of them a month).
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("account"), db_index=False
    )
    period = models.DateField(_("period"))
    run = models.ForeignKey(
        BillingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices", db_index=False
    )
    # Drafts have no number yet: numbers are handed out when the invoice is published.
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    # Unique through a constraint (not unique=True, which adds a second, pattern-ops index).
    number = models.CharField(_("number"), max_length=20, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    # The account's balance at the previous invoice, and payments since then.
    previous_balance = models.DecimalField(_("previous balance"), default=Decimal("0"), **MONEY)
    payments_received = models.DecimalField(_("payments received"), default=Decimal("0"), **MONEY)
    total = models.DecimalField(_("charges for the period"), default=Decimal("0"), **MONEY)
    vat_total = models.DecimalField(_("of which VAT"), default=Decimal("0"), **MONEY)
    penalty_total = models.DecimalField(_("of which penalties"), default=Decimal("0"), **MONEY)
    # Billed a meter by average or norm, or corrected such a period: a later reading may
    # correct it (a partial index lets the run find these few invoices without reading
    # every account's history).
    has_estimates = models.BooleanField(default=False)
    amount_due = models.DecimalField(_("to pay"), default=Decimal("0"), **MONEY)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="invoice_one_per_account_period"),
            # Partial: drafts have no number yet, so the run's million drafts write neither
            # index; numbers enter them when the invoices are published.
            models.UniqueConstraint(
                fields=["year", "seq"], name="invoice_number_unique_per_year", condition=Q(seq__isnull=False)
            ),
            models.UniqueConstraint(fields=["number"], name="invoice_number_unique", condition=Q(number__isnull=False)),
            # Within half a cent: exact on PostgreSQL (numeric), and robust to SQLite,
            # which stores decimals as floats (14.52 - 50 + 7.26 != -28.22 there).
            models.CheckConstraint(
                condition=Q(
                    amount_due__gt=F("previous_balance") - F("payments_received") + F("total") - HALF_CENT,
                    amount_due__lt=F("previous_balance") - F("payments_received") + F("total") + HALF_CENT,
                ),
                name="invoice_amount_due_arithmetic",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(seq__isnull=False, number__isnull=False),
                name="invoice_issued_has_number",
            ),
        ]
        indexes = [
            models.Index(fields=["run", "status"], name="invoice_run_status_idx"),
            models.Index(fields=["account", "period"], name="invoice_estimates_idx", condition=Q(has_estimates=True)),
        ]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"

    @property
    def to_pay(self) -> Decimal:
        """What the QR code and the receipt ask for: the debt, never a negative sum."""
        return max(self.amount_due, Decimal("0.00"))

    @property
    def principal_total(self) -> Decimal:
        return self.total - self.penalty_total


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
    BUILDING = "building", _("building meter difference")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices, default=LineKind.CHARGE)
    # Not indexed: nothing looks lines up by service, and three lines per invoice would pay for it.
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
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
            models.CheckConstraint(
                condition=Q(total__gt=F("amount") + F("vat") - HALF_CENT, total__lt=F("amount") + F("vat") + HALF_CENT),
                name="invoice_line_total_arithmetic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.description} {self.total}"


class Correction(models.Model):
    """A staff correction of something already published (a wrong reading, a wrong
    tariff): never an edit of the old invoice, but a line on the account's next one."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("account")
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4, default=Decimal("1"))
    price = models.DecimalField(_("price, without VAT"), max_digits=14, decimal_places=5)
    vat_rate = models.DecimalField(_("VAT, %"), max_digits=5, decimal_places=2, default=Decimal("0"))
    reason = models.CharField(_("reason"), max_length=300)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when a billing run puts it on an invoice (cleared again if that run is cancelled).
    invoice = models.ForeignKey(
        "Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="corrections", editable=False
    )

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["-created", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="correction_has_reason")]
        indexes = [models.Index(fields=["account"], name="correction_pending_idx", condition=Q(invoice__isnull=True))]

    def __str__(self) -> str:
        return f"{self.account_id} {self.reason}"


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


class AccountBalance(models.Model):
    """The sum of an account's ledger entries (and of those other than penalties), kept
    by the database: triggers on LedgerEntry add every inserted, changed or deleted entry
    in the same statement, whatever wrote it (the ORM, INSERT … SELECT, COPY), whatever
    its date. Never written by the application (kabinet.billing.balances)."""

    account = models.OneToOneField(
        Account, primary_key=True, on_delete=models.CASCADE, related_name="ledger_balance", editable=False
    )
    balance = models.DecimalField(_("balance"), default=Decimal("0"), editable=False, **MONEY)
    # Without penalties: the principal the penalty rule charges on.
    principal = models.DecimalField(_("principal"), default=Decimal("0"), editable=False, **MONEY)

    class Meta:
        verbose_name = _("account balance")
        verbose_name_plural = _("account balances")

    def __str__(self) -> str:
        return f"{self.account_id} {self.balance}"


# Building meters and their balance per period: a module of their own (see its docstring).
from kabinet.billing.building_models import (  # noqa: E402, F401
    BalanceFlag,
    BalanceStatus,
    BuildingBalance,
    BuildingMeter,
    BuildingReading,
    BuildingShare,
)
