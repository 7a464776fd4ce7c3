"""Fetch readings sent by e-mail from an IMAP mailbox (imap-tools)."""

from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from imap_tools import AND, MailBox, MailMessage

from kabinet.meters.inbound.services import inbound_message_process
from kabinet.meters.inbound.text import html_to_text
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
    message_id = _header(headers, "message-id")
    if not message_id:
        message_id = f"uid:{settings.READINGS_IMAP_USER}:{msg.uid}:{msg.date_str}"
    body = msg.text if msg.text.strip() else html_to_text(msg.html)
    return inbound_message_process(
        channel=InboundChannel.EMAIL,
        external_id=message_id,
        sender=msg.from_,
        subject=msg.subject or "",
        body=body,
        references=_header(headers, "references") or _header(headers, "in-reply-to"),
        automatic=is_automatic(headers, msg.from_) or _from_us(msg.from_),
        charge_estimator=charge_estimator,
    )


def _header(headers: dict[str, tuple[str, ...]], name: str) -> str:
    return " ".join((headers.get(name) or ("",))[0].split())


def _from_us(sender: str) -> bool:
    """Our own address: a reply to it would answer ourselves."""
    ours = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(), settings.READINGS_IMAP_USER.lower()} - {""}
    return sender.strip().lower() in ours


AUTOMATIC_SENDERS = ("mailer-daemon", "postmaster")


def is_automatic(headers: dict[str, tuple[str, ...]], sender: str) -> bool:
    """A message no person wrote, which must get no reply (RFC 3834 section 2): an
    out-of-office reply, a bounce, a mailing list. `headers` are lower-cased names, each
    with its values, as imap-tools gives them."""

    def value(name: str) -> str:
        return _header(headers, name).lower()

    if value("auto-submitted") not in ("", "no"):
        return True
    if value("precedence") in ("bulk", "junk", "list"):
        return True
    if any(name in headers for name in ("list-id", "x-autoreply", "x-autorespond")):
        return True
    if value("return-path") == "<>" or value("content-type").startswith("multipart/report"):
        return True
    local = (sender or "").split("@")[0].lower()
    return not sender or local in AUTOMATIC_SENDERS


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
