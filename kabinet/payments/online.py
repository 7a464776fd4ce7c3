"""Online payments: start (the customer's choice → the provider's page), settle (the
provider's verified word → payments registered), refund.

Security: the amount and the accounts come only from our own OnlinePayment rows, never
from the notification; a notification is verified by its provider (signature or sender
address) and its payment is re-read from the provider (server-side status), whose
amount and currency must equal ours. Settling locks the row, so duplicate or
concurrent notifications register one payment per line.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing.models import Invoice
from kabinet.customers.models import AccessRole, Account, AccountAccess
from kabinet.lib.money import whole_cents
from kabinet.payments.models import (
    ONLINE_TRANSITIONS,
    OnlinePayment,
    OnlinePaymentLine,
    OnlineStatus,
    PaymentChannel,
)
from kabinet.payments.providers import NotificationRejected, ProviderError, RemoteStatus, get_provider
from kabinet.payments.services import payment_register, payment_reverse
from kabinet.payments.signals import online_payment_settled
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record

MAX_ONLINE_AMOUNT = Decimal("100000.00")


@dataclass
class PayLine:
    account: Account
    amount: Decimal
    invoice: Invoice | None = None


@transaction.atomic
def _online_payment_create(*, user, lines: list[PayLine], provider_code: str) -> OnlinePayment:
    if not lines:
        raise ApplicationError("nothing_to_pay", _("Choose at least one account and an amount to pay."))
    allowed = set(
        AccountAccess.objects.filter(user=user, role__in=[AccessRole.HOLDER, AccessRole.READINGS_INVOICES]).values_list(
            "account_id", flat=True
        )
    )
    total = Decimal("0.00")
    for line in lines:
        if line.account.pk not in allowed:
            raise ApplicationError("not_your_account", _("You cannot pay for this account."))
        if line.amount is None or not whole_cents(line.amount) or line.amount <= 0:
            raise ApplicationError("invalid_amount", _("The amount must be positive, in whole cents."), field="amount")
        if line.invoice is not None and line.invoice.account_id != line.account.pk:
            raise ApplicationError("invoice_mismatch", _("The invoice belongs to another account."))
        total += line.amount
    if total > MAX_ONLINE_AMOUNT:
        raise ApplicationError(
            "amount_too_large", _("One online payment can be at most %(max)s.") % {"max": MAX_ONLINE_AMOUNT}
        )
    online = OnlinePayment.objects.create(
        user=user, provider=provider_code, amount=total, currency=UtilityProfile.get().currency
    )
    OnlinePaymentLine.objects.bulk_create(
        [
            OnlinePaymentLine(online_payment=online, account=line.account, invoice=line.invoice, amount=line.amount)
            for line in lines
        ]
    )
    event_record(kind="online.created", actor=user, obj=online, data={"amount": str(total), "provider": provider_code})
    return online


def online_payment_start(
    *, user, lines: list[PayLine], return_url, provider_code: str | None = None, save_method: bool = False
) -> OnlinePayment:
    """Record what the customer pays, ask the provider for its payment page.
    `return_url(online)` builds the absolute URL the provider sends the customer back to.
    With save_method the provider also saves the card for automatic payment (the
    settled signal carries it: RemoteStatus.saved_method)."""
    try:
        provider = get_provider(provider_code)
    except ProviderError as exc:
        raise ApplicationError(
            "online_payments_off", _("Online payment is not available. Please pay by bank transfer.")
        ) from exc
    online = _online_payment_create(user=user, lines=lines, provider_code=provider.code)
    numbers = ", ".join(sorted({line.account.number for line in lines}))
    description = _("Utility payment, account %(numbers)s") % {"numbers": numbers}
    try:
        created = provider.create(
            reference=str(online.pk),
            amount=online.amount,
            currency=online.currency,
            description=description,
            return_url=return_url(online),
            metadata={"online_payment": str(online.pk), "email": user.email},
            **({"save_method": True} if save_method else {}),
        )
    except ProviderError as exc:
        OnlinePayment.objects.filter(pk=online.pk).update(status=OnlineStatus.CANCELLED, failure=str(exc)[:200])
        raise ApplicationError(
            "provider_unavailable", _("The payment service is not available now. Please try again later.")
        ) from exc
    OnlinePayment.objects.filter(pk=online.pk).update(
        provider_payment_id=created.provider_payment_id,
        confirmation_url=created.confirmation_url,
        status=OnlineStatus.PENDING,
    )
    online.refresh_from_db()
    return online


def online_payment_prepare(*, user, lines: list[PayLine], provider_code: str) -> OnlinePayment:
    """Record a payment before a charge without the customer (automatic payment): its id
    is the provider's idempotence key, committed before the provider is asked, so a
    charge repeated after a crash or a timeout is the same charge."""
    return _online_payment_create(user=user, lines=lines, provider_code=provider_code)


def online_payment_charge_saved(*, online: OnlinePayment, token: str, description: str) -> OnlinePayment:
    """Charge a saved payment method for a prepared payment and settle what the provider
    answers (a pending answer is settled by its notification). Raises ProviderError when
    the provider cannot be reached: the payment stays as it was, to be charged again with
    the same idempotence key."""
    if online.status != OnlineStatus.CREATED:
        return online_payment_refresh(online=online)
    remote = get_provider(online.provider).charge_saved(
        reference=str(online.pk),
        amount=online.amount,
        currency=online.currency,
        description=description,
        metadata={"online_payment": str(online.pk), "email": online.user.email},
        token=token,
    )
    OnlinePayment.objects.filter(pk=online.pk, provider_payment_id="").update(
        provider_payment_id=remote.provider_payment_id
    )
    online.refresh_from_db()
    if remote.status == "pending":
        _set_status(online, OnlineStatus.PENDING)
        return online
    return online_payment_settle(online=online, remote=remote)


def _set_status(online: OnlinePayment, status: str, actor=None, failure: str = "") -> bool:
    if status == online.status:
        return False
    if status not in ONLINE_TRANSITIONS[OnlineStatus(online.status)]:
        return False  # a late or repeated message never moves a payment backwards
    old = online.status
    online.status = status
    online.failure = failure[:200]
    online.save(update_fields=["status", "failure", "updated"])
    event_record(kind="online.status", actor=actor, obj=online, data={"from": old, "to": status, "failure": failure})
    return True


@transaction.atomic
def online_payment_settle(*, online: OnlinePayment, remote: RemoteStatus) -> OnlinePayment:
    """Apply the provider's (server-side) status. Idempotent."""
    online = OnlinePayment.objects.select_for_update().get(pk=online.pk)
    if remote.provider_payment_id != online.provider_payment_id:
        raise NotificationRejected("payment id mismatch")
    if remote.amount != online.amount or remote.currency != online.currency:
        event_record(
            kind="online.amount_mismatch",
            obj=online,
            data={"ours": f"{online.amount} {online.currency}", "theirs": f"{remote.amount} {remote.currency}"},
        )
        raise NotificationRejected("amount or currency differs from the payment we created")
    if remote.status == "succeeded":
        if _set_status(online, OnlineStatus.SUCCEEDED) or online.status == OnlineStatus.SUCCEEDED:
            _register_lines(online)
    elif remote.status == "canceled":
        failure = remote.failure or "canceled"
        declined = failure not in ("canceled_by_customer", "canceled_by_merchant", "expired_on_confirmation")
        _set_status(online, OnlineStatus.DECLINED if declined else OnlineStatus.CANCELLED, failure=failure)
    elif remote.status == "refunded":
        if online.status == OnlineStatus.PENDING:
            _set_status(online, OnlineStatus.SUCCEEDED)
            _register_lines(online)
        _refund_lines(online, actor=None)
    # Apps above (automatic payment) follow the outcome in this same transaction.
    online_payment_settled.send(sender=OnlinePayment, online=online, remote=remote)
    return online


def _register_lines(online: OnlinePayment) -> None:
    today = timezone.localdate()
    for line in online.lines.select_related("account", "invoice").filter(payment__isnull=True):
        payment, _new = payment_register(
            account=line.account,
            amount=line.amount,
            paid_on=today,
            channel=PaymentChannel.ONLINE,
            external_id=f"{online.provider}:{online.provider_payment_id}:{line.pk}"[:100],
            payer_name=online.user.get_full_name(),
            purpose=_("Online payment"),
            match_reason=online.provider,
            invoice=line.invoice,
            actor=online.user,
        )
        line.payment = payment
        line.save(update_fields=["payment"])


def _refund_lines(online: OnlinePayment, actor) -> None:
    for line in online.lines.select_related("payment").filter(payment__isnull=False):
        payment_reverse(
            payment=line.payment,
            reason=_("Online payment refunded"),
            ref=f"refund:{online.provider}:{online.provider_payment_id}:{line.pk}",
            actor=actor,
        )
    _set_status(online, OnlineStatus.REFUNDED, actor=actor)


def notification_handle(*, provider_code: str, body: bytes, headers, remote_addr: str) -> OnlinePayment:
    """The door for provider notifications (the webhook view and the sandbox)."""
    provider = get_provider(provider_code)
    provider_payment_id = provider.verify_notification(body=body, headers=headers, remote_addr=remote_addr)
    online = OnlinePayment.objects.filter(provider=provider.code, provider_payment_id=provider_payment_id).first()
    if online is None:
        raise NotificationRejected("unknown payment")
    remote = provider.fetch(provider_payment_id)  # never trust the body: ask the provider
    return online_payment_settle(online=online, remote=remote)


def online_payment_refresh(*, online: OnlinePayment) -> OnlinePayment:
    """The customer is back from the provider: ask for the status (the notification may
    be late) and settle it."""
    if online.status != OnlineStatus.PENDING or not online.provider_payment_id:
        return online
    try:
        remote = get_provider(online.provider).fetch(online.provider_payment_id)
    except ProviderError:
        return online  # the notification will tell us
    if remote.status == "pending":
        return online
    return online_payment_settle(online=online, remote=remote)


@transaction.atomic
def online_payment_refund(*, online: OnlinePayment, actor) -> OnlinePayment:
    """Refund a paid online payment in full and reverse its payments."""
    online = OnlinePayment.objects.select_for_update().get(pk=online.pk)
    if online.status != OnlineStatus.SUCCEEDED:
        raise ApplicationError("not_refundable", _("Only a paid online payment can be refunded."))
    try:
        get_provider(online.provider).refund(
            provider_payment_id=online.provider_payment_id,
            amount=online.amount,
            currency=online.currency,
            reference=str(online.pk),
        )
    except ProviderError as exc:
        raise ApplicationError(
            "refund_failed", _("The provider refused the refund: %(error)s") % {"error": exc}
        ) from exc
    _refund_lines(online, actor=actor)
    return online
