"""Payments.

Design overview
---------------
Money reaches an account exactly once: every Payment carries the key of its source
(bank: our account + bank reference + date + amount; provider payment id; cashier
receipt number) and a unique constraint on (channel, external_id) makes a repeated
import or notification a no-op. A registered payment posts one negative LedgerEntry; a
reversal posts the opposite entry and never deletes the payment. Unmatched payments (no
account yet) post nothing until staff assign them, split them or mark them not ours.

Allocation to invoices is not stored: it is computed from the ledger (the oldest debt
first, principal before penalties, whatever invoice a payment names, as penalties are
charged), so it can never disagree with the balance (see payments.allocation and
selectors.account_dues, the one answer to "what is paid, what is due, by when").

A statement import keeps the file; staff preview the matches and post the whole file in
one transaction (all or nothing). Online payments are OnlinePayment rows (one per trip
to the provider) with a line per account; the provider's notification or a status query
registers one Payment per line.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import MONEY, Invoice, LedgerEntry
from kabinet.customers.models import Account


class PaymentChannel(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    ONLINE = "online", _("Online payment")
    CASHIER = "cashier", _("Cashier")
    AGENT = "agent", _("Payment agent")
    OPENING = "opening", _("Transferred balance")


class PaymentStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    UNMATCHED = "unmatched", _("Waiting for assignment")
    REVERSED = "reversed", _("Reversed")
    NOT_OURS = "not_ours", _("Not ours")
    SPLIT = "split", _("Split")


class StatementFormat(models.TextChoices):
    CAMT = "camt", _("ISO 20022 camt.053 / camt.054")
    FIDAVISTA = "fidavista", _("FiDAViSta")
    ONEC = "1c", _("1CClientBankExchange")
    REGISTRY = "registry", _("Payment agent registry")


class StatementStatus(models.TextChoices):
    PREVIEW = "preview", _("Waiting for posting")
    POSTED = "posted", _("Posted")
    DISCARDED = "discarded", _("Discarded")


class RegistryLayout(models.Model):
    """The layout of one payment agent's delimited registry, as agreed in its contract."""

    name = models.CharField(_("agent"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True, help_text=_("Prefix of the payments' references"))
    encoding = models.CharField(_("encoding"), max_length=20, default="cp1251")
    delimiter = models.CharField(_("delimiter"), max_length=3, default=";")
    date_format = models.CharField(_("date format"), max_length=20, default="%d-%m-%Y")
    skip_lines = models.PositiveSmallIntegerField(_("header lines to skip"), default=0)
    columns = models.JSONField(
        _("column map"),
        default=dict,
        help_text=_('Field → column number from 0, e.g. {"date": 0, "op_id": 4, "account": 5, "amount": 9}'),
    )
    summary_prefix = models.CharField(_("summary line starts with"), max_length=5, blank=True, default="=")
    summary_count_column = models.PositiveSmallIntegerField(_("summary: column of the count"), null=True, blank=True)
    summary_total_column = models.PositiveSmallIntegerField(_("summary: column of the total"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent registry layout")
        verbose_name_plural = _("agent registry layouts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def as_layout(self):
        from kabinet.lib.statements import RegistryLayout as Layout

        return Layout(
            columns={k: int(v) for k, v in self.columns.items()},
            delimiter=self.delimiter,
            encoding=self.encoding,
            date_format=self.date_format,
            skip_lines=self.skip_lines,
            summary_prefix=self.summary_prefix,
            summary_count_column=self.summary_count_column,
            summary_total_column=self.summary_total_column,
            name=self.code,
        )


class StatementImport(models.Model):
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    format = models.CharField(_("format"), max_length=10, choices=StatementFormat.choices)
    layout = models.ForeignKey(RegistryLayout, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    content = models.BinaryField(editable=False)  # the file as uploaded, zlib-compressed
    status = models.CharField(
        _("status"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.PREVIEW
    )
    posted = models.DateTimeField(_("posted"), null=True, blank=True)
    transactions = models.PositiveIntegerField(_("transactions"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)
    duplicates = models.PositiveIntegerField(_("already imported"), default=0)
    reversals = models.PositiveIntegerField(_("reversals"), default=0)
    total = models.DecimalField(_("credits"), default=0, **MONEY)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class Payment(models.Model):
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("account"),
    )
    invoice = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
        verbose_name=_("for invoice"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    created = models.DateTimeField(_("registered"), auto_now_add=True)
    channel = models.CharField(_("channel"), max_length=10, choices=PaymentChannel.choices)
    status = models.CharField(_("status"), max_length=12, choices=PaymentStatus.choices)
    external_id = models.CharField(_("source reference"), max_length=100, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=64, blank=True)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    payer_iban = models.CharField(_("payer's account"), max_length=34, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    match_reason = models.CharField(_("matched by"), max_length=200, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)  # cashier: cash / card
    statement = models.ForeignKey(
        StatementImport, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="parts", verbose_name=_("split from")
    )
    ledger_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    reversal_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_payment"
    )
    reversal_ref = models.CharField(_("reversed by"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="payment_unique_source_reference",
            ),
            models.CheckConstraint(
                condition=~Q(status="registered") | Q(account__isnull=False),
                name="payment_registered_has_account",
            ),
            models.CheckConstraint(
                condition=~Q(status="registered") | Q(ledger_entry__isnull=False),
                name="payment_registered_is_posted",
            ),
        ]
        indexes = [
            models.Index(fields=["payer_iban"], name="payment_payer_iban_idx", condition=~Q(payer_iban="")),
            models.Index(fields=["end_to_end_id"], name="payment_e2e_idx", condition=~Q(end_to_end_id="")),
            models.Index(fields=["status"], name="payment_queue_idx", condition=Q(status="unmatched")),
            models.Index(fields=["account", "paid_on"], name="payment_account_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount} ({self.channel})"


class ReceiptCounter(models.Model):
    """The last cashier receipt number of a year (numbered without gaps)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class OnlineStatus(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Waiting for the payment")
    SUCCEEDED = "succeeded", _("Paid")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


# A status only moves forward; a late "pending" never undoes "succeeded".
ONLINE_TRANSITIONS = {
    OnlineStatus.CREATED: {OnlineStatus.PENDING, OnlineStatus.SUCCEEDED, OnlineStatus.DECLINED, OnlineStatus.CANCELLED},
    OnlineStatus.PENDING: {OnlineStatus.SUCCEEDED, OnlineStatus.DECLINED, OnlineStatus.CANCELLED},
    OnlineStatus.SUCCEEDED: {OnlineStatus.REFUNDED},
    OnlineStatus.DECLINED: set(),
    OnlineStatus.CANCELLED: set(),
    OnlineStatus.REFUNDED: set(),
}


class OnlinePayment(models.Model):
    """One trip to a payment provider: what the customer chose to pay, per account."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="online_payments")
    provider = models.CharField(_("provider"), max_length=20)
    provider_payment_id = models.CharField(_("provider's payment id"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=OnlineStatus.choices, default=OnlineStatus.CREATED)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    confirmation_url = models.URLField(_("payment page"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    failure = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="online_payment_amount_positive"),
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~Q(provider_payment_id=""),
                name="online_payment_unique_provider_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} ({self.status})"


class OnlinePaymentLine(models.Model):
    online_payment = models.ForeignKey(OnlinePayment, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="online_line_amount_positive")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"


class SandboxCharge(models.Model):
    """The sandbox provider's own record of a charge (what a real provider keeps on its side)."""

    id = models.CharField(primary_key=True, max_length=40)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, default="pending")  # pending, succeeded, canceled, refunded
    failure = models.CharField(max_length=40, blank=True)
    return_url = models.CharField(max_length=500)
    metadata = models.JSONField(default=dict)
    refunded = models.DecimalField(default=0, **MONEY)
    notify_due = models.DateTimeField(null=True, blank=True)
    notifications_sent = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox charge")
        verbose_name_plural = _("sandbox charges")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.id} {self.amount} {self.status}"
