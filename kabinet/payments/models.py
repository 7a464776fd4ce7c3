"""Payments.

Design overview
---------------
Money reaches an account exactly once: every Payment carries the key of its source
(bank reference, provider payment id, cashier receipt number) and a unique constraint
on (channel, external_id) makes a repeated import or notification a no-op. A registered
payment posts one negative LedgerEntry; a reversal posts the opposite entry and never
deletes the payment. Unmatched payments (no account yet) post nothing until staff
assign them.
"""

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
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    payer_iban = models.CharField(_("payer's account"), max_length=34, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    match_reason = models.CharField(_("matched by"), max_length=200, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
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
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount} ({self.channel})"
