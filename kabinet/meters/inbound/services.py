"""Readings without login: e-mail and SMS go through the parser, then reading_submit(),
and the sender gets the same receipt as a reply (through the outbox)."""

import logging
from email.utils import parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kabinet.meters.inbound.parser import AUTOMATIC, guess_language, parse_message, problem_texts
from kabinet.meters.models import InboundChannel, InboundMessage, InboundStatus
from kabinet.meters.receipts import ChargeEstimator, receipt_context
from kabinet.meters.submission import reading_submit
from kabinet.notifications.models import Channel, MailKind, OutboxMessage
from kabinet.notifications.services import message_enqueue
from kabinet.utility.models import UtilityProfile
from kabinet.utility.services import event_record

log = logging.getLogger(__name__)

SMS_LIMIT = 480


def inbound_message_process(
    *,
    channel: str,
    external_id: str,
    sender: str,
    body: str,
    subject: str = "",
    references: str = "",
    automatic: bool = False,
    charge_estimator: ChargeEstimator | None = None,
) -> InboundMessage:
    """Store the message, submit its readings and queue the reply. A message already
    processed (same Message-ID or gateway id) is returned as it is: redelivery is safe.

    An e-mail reply threads under the customer's message (In-Reply-To and References of
    its Message-ID, `external_id`, after the customer's `references`) and says it is
    automatic (RFC 3834). An `automatic` message (an out-of-office reply, a bounce: see
    mailbox.is_automatic) is kept for staff, but neither read nor answered: answering
    would start a mail loop, and a bounce quotes our own reply with its example readings."""
    existing = InboundMessage.objects.filter(external_id=external_id[:255]).first()
    if existing is not None:
        return existing
    profile = UtilityProfile.get()
    text = f"{subject}\n{body}"
    language = guess_language(text, (profile.language_codes or ["lv"])[0])
    incoming = {
        "channel": channel,
        "external_id": external_id[:255],
        "sender": sender[:254],
        "subject": subject[:300],
        "body": body,
    }
    try:
        with transaction.atomic():
            if automatic:
                return _store_automatic(**incoming)
            thread = _thread_headers(external_id, references) if channel == InboundChannel.EMAIL else {}
            return _process(**incoming, language=language, thread=thread, charge_estimator=charge_estimator)
    except IntegrityError:
        existing = InboundMessage.objects.filter(external_id=external_id[:255]).first()
        if existing is None:
            raise
        return existing


def _store_automatic(*, channel, external_id, sender, subject, body) -> InboundMessage:
    message = InboundMessage.objects.create(
        channel=channel,
        external_id=external_id,
        sender=sender,
        subject=subject,
        body=body[:20000],
        status=InboundStatus.HANDLED,
        error=AUTOMATIC,
    )
    event_record(kind="inbound.automatic", obj=message, data={"channel": channel})
    return message


def _thread_headers(message_id: str, references: str) -> dict[str, str]:
    """RFC 3834 and RFC 5322 headers of our reply to the customer's message."""
    headers = {"Auto-Submitted": "auto-replied"}
    message_id = message_id.strip()
    if message_id.startswith("<") and message_id.endswith(">"):
        headers["In-Reply-To"] = message_id
        chain = [*references.split(), message_id]
        headers["References"] = " ".join(dict.fromkeys(chain))[-900:].lstrip()
    return headers


def _own_addresses(profile) -> tuple[str, ...]:
    """Our own mailboxes: a mail forwarded from one of them is our reply quoted back."""
    addresses = (parseaddr(settings.DEFAULT_FROM_EMAIL)[1], settings.READINGS_IMAP_USER, profile.email)
    return tuple(a for a in addresses if a and "@" in a)


def _process(*, channel, external_id, sender, subject, body, language, thread, charge_estimator) -> InboundMessage:
    profile = UtilityProfile.get()
    with translation.override(language):
        parsed = parse_message(f"{subject}\n{body}", own_addresses=_own_addresses(profile))
        message = InboundMessage.objects.create(
            channel=channel,
            external_id=external_id,
            sender=sender,
            subject=subject,
            body=body[:20000],
            status=InboundStatus.PROCESSED if parsed.ok else InboundStatus.UNPARSED,
            account_number=parsed.account.number if parsed.account else "",
            error="\n".join(parsed.problem_lines()),
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
            # Every problem as a sentence: why nothing could be read, or which parts were refused.
            "problems": problem_texts(message.error, parsed.identifier),
            "utility": profile,
            "account": parsed.account,
        }
        event_record(
            kind=f"inbound.{message.status}",
            obj=message,
            data={"channel": channel, "readings": [r.pk for r in readings], "problem": message.error},
        )
        customer_id = parsed.account.customer_id if parsed.account else None
        if channel == InboundChannel.EMAIL:
            message_enqueue(
                to=sender,
                template="reading_reply",
                context=ctx,
                kind=MailKind.READING_RECEIPT,
                language=language,
                customer_id=customer_id,
                dedupe_key=f"inbound-reply:{message.pk}",
                headers=thread,
            )
        else:
            OutboxMessage.objects.create(
                channel=Channel.SMS,
                kind=MailKind.READING_RECEIPT,
                to=sender,
                customer_id=customer_id,
                language=language,
                body_text=sms_shorten(render_to_string("emails/reading_reply/sms.txt", ctx)),
                dedupe_key=f"inbound-reply:{message.pk}",
            )
    return message


def sms_shorten(text: str, limit: int = SMS_LIMIT) -> str:
    """The reply on one line, within `limit` characters: cut after the last whole sentence
    (or word) that fits, never in the middle of a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    for end in (". ", "; ", " "):
        cut = head.rfind(end)
        if cut > limit // 2:
            return head[: cut + 1].rstrip() + "…"
    return head + "…"


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
