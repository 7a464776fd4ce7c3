"""Automatic payment: a customer's saved card and their standing instruction to pay
each invoice with it.

* SavedMethod is the provider's token for a card the customer saved on the provider's
  page (YooKassa's payment_method.id), with what may be shown: the mask (last four
  digits), expiry and card type. The card number never reaches Kabinet.
* Mandate: one account, "on the invoice day" or "on day N" (1-28, so every month has
  it), and the most it may charge. A mandate is waiting for its card until the provider
  saves one, then active; it is paused (three declines in a row, an expired card) or
  stopped (by the customer in one click, or by staff), with the reason.
* Attempt: one per invoice per mandate (a database constraint), with its tries: the
  status, the provider's payment (OnlinePayment: payments.online registers the money),
  how many tries and when the next one is due.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import MONEY, Invoice
from kabinet.customers.models import Account
from kabinet.payments.models import OnlinePayment

# The provider's reasons for a declined charge (YooKassa's cancellation_details.reason), as
# the customer reads them; any other code is shown as it is.
FAILURE_LABELS = {
    "insufficient_funds": _("not enough money on the card"),
    "card_expired": _("the card has expired"),
    "permission_revoked": _("the permission to charge the card was withdrawn"),
    "general_decline": _("the bank declined the payment"),
    "call_issuer": _("the bank declined the payment; please contact your bank"),
    "issuer_unavailable": _("the bank could not be reached"),
    "fraud_suspected": _("the payment was blocked as suspicious"),
    "payment_method_limit_exceeded": _("the card's limit was reached"),
    "payment_method_restricted": _("the card cannot be used for this payment"),
    "country_forbidden": _("the card cannot be used for this payment"),
    "provider_unreachable": _("the payment service could not be reached"),
}


def failure_label(code: str) -> str:
    return str(FAILURE_LABELS.get(code, code))


class SavedMethod(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_methods")
    provider = models.CharField(_("provider"), max_length=20)
    token = models.CharField(_("provider's method id"), max_length=100)
    title = models.CharField(_("card"), max_length=100, blank=True)
    last4 = models.CharField(_("last four digits"), max_length=4, blank=True)
    expiry_month = models.CharField(_("expiry month"), max_length=2, blank=True)
    expiry_year = models.CharField(_("expiry year"), max_length=4, blank=True)
    card_type = models.CharField(_("card type"), max_length=30, blank=True)
    created = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved card")
        verbose_name_plural = _("saved cards")
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "token"], name="autopay_method_unique_token"),
            # Four digits at most: a longer "mask" would be (part of) a card number.
            models.CheckConstraint(condition=Q(last4__regex=r"^[0-9]{0,4}$"), name="autopay_method_mask_only"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        mask = f"•••• {self.last4}" if self.last4 else self.title
        expiry = f" ({self.expiry_month}/{self.expiry_year[-2:]})" if self.expiry_month and self.expiry_year else ""
        return f"{self.card_type + ' ' if self.card_type else ''}{mask}{expiry}".strip()


class Mode(models.TextChoices):
    ON_ISSUE = "on_issue", _("On the invoice day")
    DAY_OF_MONTH = "day_of_month", _("On a day of the month")


class MandateStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the card")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


# Paused needs a new card (set up again); stopped is final: a new mandate starts anew.
MANDATE_TRANSITIONS = {
    MandateStatus.PENDING: {MandateStatus.ACTIVE, MandateStatus.STOPPED},
    MandateStatus.ACTIVE: {MandateStatus.PAUSED, MandateStatus.STOPPED},
    MandateStatus.PAUSED: {MandateStatus.STOPPED},
    MandateStatus.STOPPED: set(),
}
LIVE = (MandateStatus.PENDING, MandateStatus.ACTIVE, MandateStatus.PAUSED)


class Mandate(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="autopay_mandates")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="autopay_mandates", verbose_name=_("login")
    )
    method = models.ForeignKey(
        SavedMethod, null=True, blank=True, on_delete=models.SET_NULL, related_name="mandates", verbose_name=_("card")
    )
    mode = models.CharField(_("when"), max_length=15, choices=Mode.choices)
    day = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True)
    max_amount = models.DecimalField(_("maximum amount"), **MONEY)
    status = models.CharField(_("status"), max_length=10, choices=MandateStatus.choices, default=MandateStatus.PENDING)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    declines_in_row = models.PositiveSmallIntegerField(_("declines in a row"), default=0)
    # The payment that saved the card (the customer's trip to the provider).
    setup_payment = models.ForeignKey(OnlinePayment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)
    activated = models.DateTimeField(_("switched on"), null=True, blank=True)
    stopped = models.DateTimeField(_("stopped"), null=True, blank=True)

    class Meta:
        verbose_name = _("automatic payment")
        verbose_name_plural = _("automatic payments")
        ordering = ["-created"]
        constraints = [
            # One live instruction per account: two would pay each invoice twice.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status__in=["pending", "active", "paused"]),
                name="autopay_one_live_mandate_per_account",
            ),
            models.CheckConstraint(
                condition=(Q(mode="on_issue") & Q(day__isnull=True))
                | (Q(mode="day_of_month") & Q(day__gte=1) & Q(day__lte=28)),
                name="autopay_mandate_day_fits_mode",
            ),
            models.CheckConstraint(condition=Q(max_amount__gt=0), name="autopay_mandate_max_positive"),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(method__isnull=False), name="autopay_active_mandate_has_card"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} ({self.get_status_display()})"

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def reason_label(self) -> str:
        return failure_label(self.reason)


class AttemptStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CHARGING = "charging", _("Charging")
    RETRY = "retry", _("Will try again")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    OVER_LIMIT = "over_limit", _("Over the maximum: not charged")
    NOT_NEEDED = "not_needed", _("Already paid")
    CANCELLED = "cancelled", _("Cancelled")


ATTEMPT_TRANSITIONS = {
    AttemptStatus.SCHEDULED: {
        AttemptStatus.CHARGING,
        AttemptStatus.OVER_LIMIT,
        AttemptStatus.NOT_NEEDED,
        AttemptStatus.CANCELLED,
    },
    AttemptStatus.RETRY: {
        AttemptStatus.CHARGING,
        AttemptStatus.OVER_LIMIT,
        AttemptStatus.NOT_NEEDED,
        AttemptStatus.CANCELLED,
    },
    # A charge under way is never cancelled: the money may be moving.
    AttemptStatus.CHARGING: {AttemptStatus.SUCCEEDED, AttemptStatus.RETRY, AttemptStatus.FAILED},
    AttemptStatus.SUCCEEDED: set(),
    AttemptStatus.FAILED: set(),
    AttemptStatus.OVER_LIMIT: set(),
    AttemptStatus.NOT_NEEDED: set(),
    AttemptStatus.CANCELLED: set(),
}
WAITING = (AttemptStatus.SCHEDULED, AttemptStatus.RETRY)


class Attempt(models.Model):
    mandate = models.ForeignKey(Mandate, on_delete=models.CASCADE, related_name="attempts")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="+", verbose_name=_("invoice"))
    status = models.CharField(
        _("status"), max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.SCHEDULED
    )
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    next_try = models.DateTimeField(_("next try"), null=True, blank=True)
    online_payment = models.ForeignKey(
        OnlinePayment, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("payment")
    )
    provider_payment_id = models.CharField(_("provider's payment id"), max_length=100, blank=True)
    failure = models.CharField(_("reason"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("automatic payment attempt")
        verbose_name_plural = _("automatic payment attempts")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mandate", "invoice"], name="autopay_one_attempt_per_invoice"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0), name="autopay_attempt_amount_positive"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_try"], name="autopay_attempt_due_idx", condition=Q(status__in=["scheduled", "retry"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} ({self.get_status_display()})"

    @property
    def failure_label(self) -> str:
        return failure_label(self.failure)
