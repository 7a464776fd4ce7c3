"""Readings without login: e-mail and SMS go through the parser, then reading_submit(),
and the sender gets the same receipt as a reply (through the outbox)."""

import logging

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kabinet.meters.inbound.parser import guess_language, parse_message
from kabinet.meters.models import InboundChannel, InboundMessage, InboundStatus
from kabinet.meters.services import ChargeEstimator, reading_submit, receipt_context
from kabinet.notifications.models import Channel, MailKind, OutboxMessage
from kabinet.notifications.services import message_enqueue
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record

log = logging.getLogger(__name__)


def inbound_message_process(
    *,
    channel: str,
    external_id: str,
    sender: str,
    body: str,
    subject: str = "",
    charge_estimator: ChargeEstimator | None = None,
) -> InboundMessage:
    """Store the message, submit its readings and queue the reply. A message already
    processed (same Message-ID or gateway id) is returned as it is: redelivery is safe."""
    existing = InboundMessage.objects.filter(external_id=external_id[:255]).first()
    if existing is not None:
        return existing
    profile = UtilityProfile.get()
    text = f"{subject}\n{body}"
    language = guess_language(text, (profile.language_codes or ["lv"])[0])
    try:
        with transaction.atomic():
            return _process(channel, external_id[:255], sender[:254], subject[:300], body, language, charge_estimator)
    except IntegrityError:
        existing = InboundMessage.objects.filter(external_id=external_id[:255]).first()
        if existing is None:
            raise
        return existing


def _process(channel, external_id, sender, subject, body, language, charge_estimator) -> InboundMessage:
    with translation.override(language):
        parsed = parse_message(f"{subject}\n{body}")
        message = InboundMessage.objects.create(
            channel=channel,
            external_id=external_id,
            sender=sender,
            subject=subject,
            body=body[:20000],
            status=InboundStatus.PROCESSED if parsed.ok else InboundStatus.UNPARSED,
            account_number=parsed.account.number if parsed.account else "",
            error=parsed.problem,
        )
        readings = [
            reading_submit(
                meter=meter,
                value=value,
                source=channel,
                actor=None,
                notify=False,
                taken_at=message.received,
                charge_estimator=charge_estimator,
            )
            for meter, value in parsed.values
        ]
        if readings:
            message.readings.set(readings)
        # The sender sees consumption and charge only when they are a known contact of the
        # customer: anyone can send readings for an account number, not read its history.
        known = bool(parsed.account) and _known_sender(sender, parsed.account)
        receipts = [receipt_context(r, charge_estimator if known else None) for r in readings]
        ctx = {
            "message": message,
            "receipts": receipts,
            "known": known,
            "hide_details": not known,
            "problem": parsed.problem,
            "utility": UtilityProfile.get(),
            "account": parsed.account,
        }
        event_record(
            kind=f"inbound.{message.status}",
            obj=message,
            data={"channel": channel, "readings": [r.pk for r in readings], "problem": parsed.problem},
        )
        if channel == InboundChannel.EMAIL:
            message_enqueue(
                to=sender,
                template="reading_reply",
                context=ctx,
                kind=MailKind.READING_RECEIPT,
                language=language,
                customer_id=parsed.account.customer_id if parsed.account else None,
                dedupe_key=f"inbound-reply:{message.pk}",
            )
        else:
            OutboxMessage.objects.create(
                channel=Channel.SMS,
                kind=MailKind.READING_RECEIPT,
                to=sender,
                customer_id=parsed.account.customer_id if parsed.account else None,
                language=language,
                body_text=" ".join(render_to_string("sms/reading_reply.txt", ctx).split())[:480],
                dedupe_key=f"inbound-reply:{message.pk}",
            )
    return message


def _known_sender(sender: str, account) -> bool:
    sender = sender.strip().lower()
    customer = account.customer
    contacts = {customer.email.lower(), _digits(customer.phone)}
    contacts |= {u.email.lower() for u in customer.users.all()} | {_digits(u.phone) for u in customer.users.all()}
    contacts.discard("")
    return sender in contacts or (_digits(sender) != "" and _digits(sender) in contacts)


def _digits(text: str) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())


@transaction.atomic
def inbound_message_handle(*, message: InboundMessage, actor) -> None:
    """Staff took care of a message the parser did not understand."""
    if message.status != InboundStatus.HANDLED:
        InboundMessage.objects.filter(pk=message.pk).update(status=InboundStatus.HANDLED, handled_by=actor)
        event_record(kind="inbound.handled", actor=actor, obj=message, data={"at": timezone.now().isoformat()})
