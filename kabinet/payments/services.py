import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction

from kabinet.billing.models import EntryKind
from kabinet.billing.services import ledger_post
from kabinet.customers.models import Account
from kabinet.payments.models import Payment, PaymentStatus
from kabinet.utility.services import event_record


@transaction.atomic
def payment_register(
    *,
    account: Account,
    amount: Decimal,
    paid_on: dt.date,
    channel: str,
    external_id: str = "",
    payer_name: str = "",
    purpose: str = "",
    invoice=None,
    actor=None,
) -> tuple[Payment, bool]:
    """Register a payment on an account and post it to the ledger.

    Idempotent by (channel, external_id): a repeat returns the first payment and False.
    """
    if external_id:
        existing = Payment.objects.filter(channel=channel, external_id=external_id).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                account=account,
                invoice=invoice,
                amount=amount,
                paid_on=paid_on,
                channel=channel,
                status=PaymentStatus.REGISTERED,
                external_id=external_id,
                payer_name=payer_name,
                purpose=purpose,
                actor=actor,
            )
    except IntegrityError:
        # A concurrent request registered the same source reference first.
        return Payment.objects.get(channel=channel, external_id=external_id), False
    payment.ledger_entry = ledger_post(
        account=account,
        kind=EntryKind.PAYMENT,
        amount=-amount,
        posted_on=paid_on,
        description=external_id,
    )
    payment.save(update_fields=["ledger_entry"])
    event_record(kind="payment.registered", actor=actor, obj=payment, data={"amount": str(amount)})
    return payment, True
