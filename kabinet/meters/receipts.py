"""Reading receipts: what a customer is told after a reading, on screen and by e-mail.

Every channel answers with the same receipt (receipt_context()): the value used, the
status and its reason, and the charge the reading means at today's tariff when billing
offers an estimate. The e-mail is queued in the submission's own transaction and
rendered later by the outbox sender (receipt_mail_context()).
"""

from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone, translation

from kabinet.customers.models import User
from kabinet.customers.selectors import mail_wanted_sql, user_wants_mail
from kabinet.meters.models import Reading, ReadingSource, ReadingStatus
from kabinet.meters.rules import plain
from kabinet.meters.values import normalise_digits, parse_reading_value
from kabinet.notifications.models import MailKind
from kabinet.notifications.services import message_enqueue_later
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import UtilityProfile
from kabinet.utility.sql import WriteBatch

# A charge estimator is offered by billing (a layer above) and passed in by the door:
# charge_estimate(*, service, quantity, on_date) -> Decimal | None.
ChargeEstimator = Callable[..., Decimal | None]


def receipt_recipients(reading: Reading) -> list[User]:
    """Who gets the e-mail receipt: the person who submitted it in the portal or app,
    otherwise (hotline, staff, a queued reading applied) the account's portal users."""
    return [u for u in _receipt_candidates(reading) if user_wants_mail(u, MailKind.READING_RECEIPT)]


def _receipt_candidates(reading: Reading) -> list[User]:
    """receipt_recipients() before their mail preferences are checked."""
    if reading.source in (ReadingSource.PORTAL, ReadingSource.API) and reading.entered_by_id:
        return [reading.entered_by]
    return list(
        User.objects.filter(
            account_accesses__account__premises_id=reading.meter.premises_id,
            account_accesses__account__closed_on__isnull=True,
            is_active=True,
        )
        .select_related("customer")
        .distinct()
    )


def receipt_charge(reading: Reading, charge_estimator: ChargeEstimator | None = None) -> Decimal | None:
    """The charge a receipt shows: the reading's consumption at today's tariff."""
    if charge_estimator and reading.status in (ReadingStatus.ACCEPTED, ReadingStatus.QUEUED) and reading.consumption:
        return charge_estimator(
            service=reading.meter.service, quantity=reading.consumption, on_date=timezone.localdate()
        )
    if reading.consumption == 0 and reading.status == ReadingStatus.ACCEPTED:
        return Decimal("0.00")
    return None


def receipt_context(reading: Reading, charge_estimator: ChargeEstimator | None = None) -> dict:
    """What a receipt shows, on screen and in the e-mail."""
    return {
        "reading": reading,
        "meter": reading.meter,
        "service_name": reading.meter.service.name,
        "unit": reading.meter.service.get_unit_display(),
        "value_changed": reading.entered_value not in ("", plain(reading.value))
        and reading.status != ReadingStatus.REJECTED
        and _number_differs(reading),
        "charge": receipt_charge(reading, charge_estimator),
        "currency": UtilityProfile.get().currency,
        "utility": UtilityProfile.get(),
    }


def _number_differs(reading: Reading) -> bool:
    """Whether the receipt must say which number was used: it differs from the one typed
    (decimals dropped), or it was typed in another script's digits (Arabic-Indic,
    full-width), which are accepted as the number they mean."""
    if normalise_digits(reading.entered_value) != reading.entered_value:
        return True
    try:
        entered, _used = parse_reading_value(reading.entered_value, digits_before=9, decimals=3)
    except ApplicationError:
        return False
    return entered != reading.value


def language_of(user: User, source: str = "") -> str:
    if source in (ReadingSource.PORTAL, ReadingSource.API) and translation.get_language():
        # The receipt speaks the language the customer has just used.
        return translation.get_language()[:2]
    customer = user.customer if user.customer_id else None
    return user.language or (customer.language if customer else "") or UtilityProfile.get().language_codes[0]


def readings_receipt_enqueue(
    *, readings: list[Reading], charge_estimator: ChargeEstimator | None = None, writes: WriteBatch | None = None
) -> int:
    """Queue one receipt e-mail for readings submitted together (one form, one call) to
    everyone who wants it, in the same transaction. Returns the number of messages.

    The e-mail is rendered by the outbox sender (receipt_mail_context()), not in the
    customer's request: the row keeps what the receipt must show as it was now, the
    reading's status and the estimated charge at today's tariff. With `writes` the message
    goes with that batch, and the count is of the messages sent to it."""
    readings = [
        r
        for r in readings
        if r.pk is not None and r.status != ReadingStatus.SUPERSEDED and not getattr(r, "duplicate", False)
    ]
    if not readings:
        return 0
    # The mail preference of each is checked by the outbox insert itself (only_if).
    recipients = [u for u in _receipt_candidates(readings[0]) if u.email]
    if not recipients:
        return 0
    data = {"readings": []}
    for r in readings:
        charge = receipt_charge(r, charge_estimator)
        data["readings"].append({"id": r.pk, "status": r.status, "charge": None if charge is None else str(charge)})
    key = ",".join(f"{r.pk}:{r.status}" for r in readings)
    sent = 0
    for user in recipients:
        if message_enqueue_later(
            to=user.email,
            template="reading_receipt",
            data=data,
            kind=MailKind.READING_RECEIPT,
            language=language_of(user, readings[0].source),
            user=user,
            customer_id=user.customer_id,
            dedupe_key=f"reading-receipt:{key}:{user.pk}"[:200],
            only_if=mail_wanted_sql(user_id=user.pk, kind=MailKind.READING_RECEIPT),
            batch=writes,
        ):
            sent += 1
    return sent


def receipt_mail_context(data: dict) -> dict:
    """The context of a receipt e-mail queued by readings_receipt_enqueue(), for the sender."""
    by_id = Reading.objects.select_related("meter__service").in_bulk([item["id"] for item in data["readings"]])
    receipts = []
    for item in data["readings"]:
        reading = by_id[item["id"]]
        # As it was when the receipt was issued: a later submission may have superseded it.
        reading.status = item["status"]
        receipt = receipt_context(reading)
        receipt["charge"] = None if item["charge"] is None else Decimal(item["charge"])
        receipts.append(receipt)
    return {**receipts[0], "receipts": receipts}
