"""Fetch readings sent by e-mail from an IMAP mailbox (imap-tools).

The connection is TLS with the server's certificate and host name verified: implicit TLS
(port 993) or, with READINGS_IMAP_STARTTLS, STARTTLS (port 143). A private server's CA (or
its self-signed certificate) is named by READINGS_IMAP_CA_FILE. There is no plain IMAP: the
mailbox password would cross the network in clear.

Each message is stored in a transaction of its own and marked seen after it. One that
cannot be processed (a bug, text the database refuses) is kept for staff as an unparsed
message with a "processing_failed" problem and marked seen as well, so it neither stops the
messages behind it nor comes back at every run.
"""

import codecs
import logging
import ssl
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailMessage

from kabinet.lib.text import without_controls
from kabinet.meters.inbound.services import inbound_message_process
from kabinet.meters.inbound.text import html_to_text
from kabinet.meters.models import InboundChannel, InboundMessage, InboundStatus
from kabinet.utility.services import event_record

log = logging.getLogger(__name__)

REQUIRED_SETTINGS = ("READINGS_IMAP_HOST", "READINGS_IMAP_USER", "READINGS_IMAP_PASSWORD")
# Seconds to wait for the server: a hung connection must not hold the periodic job forever.
TIMEOUT = 60
# InboundMessage.error of a message that failed: "processing_failed: <exception>".
PROCESSING_FAILED = "processing_failed"


@dataclass
class MailboxResult:
    fetched: int = 0
    processed: int = 0
    unparsed: int = 0
    failed: int = 0


def mailbox_missing_settings() -> list[str]:
    """The READINGS_IMAP_* settings still to set: all three when e-mail readings are off."""
    return [name for name in REQUIRED_SETTINGS if not getattr(settings, name)]


def message_from_bytes(raw: bytes) -> MailMessage:
    return MailMessage.from_bytes(raw)


def text_clean(text: str) -> str:
    """`text` without NUL and the other control characters (tab and newlines stay):
    PostgreSQL refuses NUL in text; the others only garble the admin and the reply."""
    return without_controls(text or "")


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def body_decode(data: bytes, charset: str | None) -> str:
    """A text part's bytes as text. A byte order mark, or a NUL in every other byte, wins
    over the charset label: some Windows programs send UTF-16 labelled as UTF-8 (or with
    no label), which read as the label says is a string of NULs."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "ignore")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, "ignore")
    try:
        return data.decode(charset or "utf-8", "ignore")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", "ignore")


def _utf16_without_bom(data: bytes) -> str:
    """ "utf-16-le" or "utf-16-be" when most characters are ASCII with a NUL beside them."""
    if len(data) < 4 or data.count(0) < len(data) // 4:
        return ""
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd >= len(data) // 4 and even == 0:
        return "utf-16-le"
    if even >= len(data) // 4 and odd == 0:
        return "utf-16-be"
    return ""


def _parts_text(msg: MailMessage, content_type: str) -> str:
    """The message's `content_type` parts as one text (imap-tools' MailMessage.text, with
    body_decode for the bytes)."""
    texts = []
    for part in msg.obj.walk():
        if part.get_content_maintype() == "multipart" or part.get_filename():
            continue
        if part.get_content_type() == content_type:
            data = part.get_payload(decode=True) or b""
            texts.append(body_decode(data, part.get_content_charset()))
    return "".join(texts)


def message_body(msg: MailMessage) -> str:
    """What the customer wrote, as plain text: the text part, or the HTML part's text."""
    text = _parts_text(msg, "text/plain")
    if not text.strip():
        text = html_to_text(_parts_text(msg, "text/html"))
    return text_clean(text)


def _message_id(msg: MailMessage, headers: dict[str, tuple[str, ...]]) -> str:
    message_id = _header(headers, "message-id") or f"uid:{settings.READINGS_IMAP_USER}:{msg.uid}:{msg.date_str}"
    return text_clean(message_id)


def email_process(msg: MailMessage, *, charge_estimator=None) -> InboundMessage:
    """One RFC 822 message, as fetched over IMAP, through the parser to the readings."""
    headers = {k.lower(): v for k, v in msg.headers.items()}
    sender = text_clean(msg.from_)
    return inbound_message_process(
        channel=InboundChannel.EMAIL,
        external_id=_message_id(msg, headers),
        sender=sender,
        subject=text_clean(msg.subject),
        body=message_body(msg),
        references=text_clean(_header(headers, "references") or _header(headers, "in-reply-to")),
        automatic=is_automatic(headers, sender) or _from_us(sender),
        charge_estimator=charge_estimator,
    )


def email_failure_record(msg: MailMessage, *, error: Exception) -> InboundMessage:
    """Keep a message that could not be processed for staff, with the error. Its Message-ID
    is taken, so the same message fetched again is not processed again."""
    headers = {k.lower(): v for k, v in msg.headers.items()}
    external_id = _message_id(msg, headers)[:255]
    existing = InboundMessage.objects.filter(external_id=external_id).first()
    if existing is not None:
        return existing
    try:
        body = message_body(msg)
    except Exception:  # the body may be what failed: keep the headers at least
        body = "(the text could not be read)"
    problem = text_clean(" ".join(f"{type(error).__name__}: {error}".split()))[:500]
    with transaction.atomic():
        message = InboundMessage.objects.create(
            channel=InboundChannel.EMAIL,
            external_id=external_id,
            sender=text_clean(msg.from_)[:254],
            subject=text_clean(msg.subject)[:300],
            body=body[:20000],
            status=InboundStatus.UNPARSED,
            error=f"{PROCESSING_FAILED}: {problem}",
        )
        event_record(kind="inbound.failed", obj=message, data={"channel": InboundChannel.EMAIL, "problem": problem})
    return message


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


def mailbox_connect() -> BaseMailBox:
    """The configured mailbox, not yet logged in: TLS, the server's certificate and host
    name verified against the system's CAs or READINGS_IMAP_CA_FILE."""
    context = ssl.create_default_context(cafile=settings.READINGS_IMAP_CA_FILE or None)
    host, port = settings.READINGS_IMAP_HOST, settings.READINGS_IMAP_PORT
    if settings.READINGS_IMAP_STARTTLS:
        return MailBoxStartTls(host, port=port, timeout=TIMEOUT, ssl_context=context)
    return MailBox(host, port=port, timeout=TIMEOUT, ssl_context=context)


def mailbox_fetch(*, charge_estimator=None, limit: int = 200) -> MailboxResult:
    """Read unseen messages and mark each seen once it is stored (a crash re-reads it; the
    Message-ID keeps a re-read from submitting twice). Nothing to do when e-mail readings
    are off (no READINGS_IMAP_HOST, _USER, _PASSWORD); ImproperlyConfigured when only some
    of them are set."""
    result = MailboxResult()
    missing = mailbox_missing_settings()
    if len(missing) == len(REQUIRED_SETTINGS):
        return result
    if missing:
        raise ImproperlyConfigured(f"Readings by e-mail are not fully configured: set {', '.join(missing)}.")
    with mailbox_connect().login(
        settings.READINGS_IMAP_USER, settings.READINGS_IMAP_PASSWORD, initial_folder=settings.READINGS_IMAP_FOLDER
    ) as mailbox:
        for msg in mailbox.fetch(AND(seen=False), limit=limit, mark_seen=False, bulk=True):
            result.fetched += 1
            stored = _message_store(msg, charge_estimator=charge_estimator)
            mailbox.flag(msg.uid, "\\Seen", True)
            if stored.error.startswith(f"{PROCESSING_FAILED}:"):
                result.failed += 1
            elif stored.status == InboundStatus.UNPARSED:
                result.unparsed += 1
            else:
                result.processed += 1
    return result


def _message_store(msg: MailMessage, *, charge_estimator) -> InboundMessage:
    """Process one message in a transaction of its own; on failure keep it for staff. When
    even that fails (the database is down) the error goes up and the message stays unseen."""
    try:
        with transaction.atomic():
            return email_process(msg, charge_estimator=charge_estimator)
    except Exception as error:  # any error: one bad message must not hold up the rest
        log.exception("Inbound e-mail (IMAP uid %s) could not be processed; kept for staff", msg.uid)
        return email_failure_record(msg, error=error)
