"""Fetch readings sent by e-mail from an IMAP mailbox (imap-tools)."""

from dataclasses import dataclass

from django.conf import settings
from imap_tools import AND, MailBox, MailMessage

from kabinet.meters.inbound.services import inbound_message_process
from kabinet.meters.models import InboundChannel, InboundMessage


@dataclass
class MailboxResult:
    fetched: int = 0
    processed: int = 0
    unparsed: int = 0


def message_from_bytes(raw: bytes) -> MailMessage:
    return MailMessage.from_bytes(raw)


def email_process(msg: MailMessage, *, charge_estimator=None) -> InboundMessage:
    """One RFC 822 message, as fetched over IMAP, through the parser to the readings."""
    headers = {k.lower(): v for k, v in msg.headers.items()}
    message_id = (headers.get("message-id") or ("",))[0].strip()
    if not message_id:
        message_id = f"uid:{settings.READINGS_IMAP_USER}:{msg.uid}:{msg.date_str}"
    body = msg.text or _strip_html(msg.html)
    return inbound_message_process(
        channel=InboundChannel.EMAIL,
        external_id=message_id,
        sender=msg.from_,
        subject=msg.subject or "",
        body=body,
        charge_estimator=charge_estimator,
    )


def _strip_html(html: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", html or "")


def mailbox_fetch(*, charge_estimator=None, limit: int = 200) -> MailboxResult:
    """Read unseen messages and mark each seen once it is stored (a crash re-reads it; the
    Message-ID keeps a re-read from submitting twice)."""
    result = MailboxResult()
    host = settings.READINGS_IMAP_HOST
    if not host:
        return result
    with MailBox(host, port=settings.READINGS_IMAP_PORT).login(
        settings.READINGS_IMAP_USER, settings.READINGS_IMAP_PASSWORD, initial_folder=settings.READINGS_IMAP_FOLDER
    ) as mailbox:
        for msg in mailbox.fetch(AND(seen=False), limit=limit, mark_seen=False, bulk=True):
            result.fetched += 1
            stored = email_process(msg, charge_estimator=charge_estimator)
            mailbox.flag(msg.uid, "\\Seen", True)
            if stored.status == "unparsed":
                result.unparsed += 1
            else:
                result.processed += 1
    return result
