"""What the customer wrote now, out of an e-mail as mail clients build it (Django-free).

A reply carries much more than the customer's new text: the quoted earlier mail (with
">" or, in Outlook, as a plain header block), the quote header Gmail, Apple Mail and
Thunderbird put above it, a signature with a phone number, "Sent from my iPhone". None of
those hold today's readings, and their numbers (dates, times, phones) must not be read as
readings. A forwarded mail is the opposite case: the customer forwards an earlier mail of
their own, and its body is what is to be read when the new text holds no readings.

    split_message(text) -> MessageText(own, forwarded)
    html_to_text(html)  -> plain text, <blockquote> as "> " lines, signatures after "-- "

Rules are regular expressions per client and language (en, ru, lv); each is one line.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

MAX_TEXT = 2000

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"

# "-- " (RFC 3676), and the "--" many clients leave after trimming the space.
SIGNATURE = re.compile(r"^(--|-- |__|—)\s*$")
# Outlook draws a line of underscores above its reply header.
RULE = re.compile(r"^\s*_{10,}\s*$")
MOBILE_FOOTER = re.compile(
    r"^\s*(sent from (my )?\w+|sent with \w+|sent via \w+|get outlook for \w+|"
    r"отправлено (с|из) .*|отправлено с моего .*|скачайте outlook для .*|"
    r"nosūtīts no (mana )?.*|sūtīts no (mana )?.*|iegūstiet outlook .*)$",
    re.IGNORECASE,
)
# Sign-offs: what follows is the sender's name, phone and address.
CLOSING = re.compile(
    r"^\s*(с уважением|с наилучшими пожеланиями|всего (доброго|хорошего)|спасибо|благодарю|"
    r"ar cieņu|ar labiem vēlējumiem|paldies|visu labu|"
    r"best regards|kind regards|regards|best wishes|best|sincerely|yours sincerely|thanks|thank you|cheers)"
    r"[\s,.!]*$",
    re.IGNORECASE,
)
# A line that is a phone number: with a label, a "+", brackets or dashes between groups
# ("+371 29 123 456", "тел. 8 (916) 123-45-67", "Mob.: 29123456"). A line of bare digits
# and spaces ("200001 99") is an account and a reading, not a phone.
PHONE = re.compile(
    r"^\W*((tel|tālr|tālrunis|mob|mobile|phone|cell|fax|тел|телефон|моб|сот|факс|whatsapp|viber)\.?\s*:?\s*"
    r"\+?[\d\s().-]{6,}|\+\d[\d\s().-]{6,}|[\d\s]*\(\d+\)[\d\s-]{5,}|\d+([\s-]\d+){0,2}-\d+-\d+)\W*$",
    re.IGNORECASE,
)
# Quote headers: "On Thu, Dec 3, 2026 at 10:15 AM Alice <a@b> wrote:" (Gmail, Apple Mail,
# Thunderbird), "чт, 3 дек. 2026 г. в 10:15, Алиса <a@b>:" (Gmail ru), "… пишет:" /
# "… написал(а):", "ceturtd., 2026. g. 3. dec., plkst. 10:15 Alise <a@b> rakstīja:" (lv).
QUOTE_HEADER = re.compile(
    r"^\s*(on\b.{0,300}\bwrote|.{0,300}\b(написал|написала|написал\(а\)|пишет|rakstīja|schrieb)"
    r"|.{0,300}\d{1,2}:\d{2}.{0,300}<[^<>\s]+@[^<>\s]+>)\s*:\s*$",
    re.IGNORECASE,
)
WRAPPED_START = re.compile(r"^\s*on\b|\d{1,2}:\d{2}", re.IGNORECASE)
# Outlook's reply header block, not quoted: "From:" then "Sent:"/"Date:" within a few lines.
HEADER_FROM = re.compile(r"^\s*\*?(from|от|no|von|de)\*?\s*:", re.IGNORECASE)
HEADER_SENT = re.compile(r"^\s*\*?(sent|date|отправлено|дата|nosūtīts|datums|gesendet|envoyé)\*?\s*:", re.IGNORECASE)
HEADER_LINE = re.compile(
    r"^\s*\*?(from|sent|date|to|cc|subject|от|отправлено|дата|кому|копия|тема|no|nosūtīts|datums|kam|"
    r"kopija|tēma|reply-to)\*?\s*:",
    re.IGNORECASE,
)
HEADER_SUBJECT = re.compile(r"^\s*\*?(subject|тема|tēma)\*?\s*:\s*(.*)$", re.IGNORECASE)
# Forwarded (or, in older Outlook, replied-to) mail below: read only when the new text
# holds no readings.
FORWARD = re.compile(
    rf"^\s*([{_DASHES}]{{2,}}\s*(original message|forwarded message|исходное сообщение|"
    r"пересылаемое сообщение|перенаправленное сообщение|пересланное сообщение|"
    r"sākotnējais ziņojums|sākotnējā ziņa|pārsūtīts ziņojums|pārsūtīta ziņa|pārsūtītā ziņa|pārsūtīta vēstule)"
    rf"\s*[{_DASHES}]*|begin forwarded message:|начало переадресованного сообщения:|"
    r"начало пересылаемого сообщения:|sākums pārsūtītajam ziņojumam:|pārsūtītā ziņojuma sākums:)\s*$",
    re.IGNORECASE,
)


@dataclass
class MessageText:
    own: str  # what the customer wrote now
    forwarded: str = ""  # the forwarded mail's subject and own text, if any


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_quote_header(lines: list[str], i: int) -> bool:
    """The header above a quote, also when the client wrapped it over two lines."""
    if QUOTE_HEADER.match(lines[i]):
        return True
    if i + 1 >= len(lines) or _quoted(lines[i + 1]) or QUOTE_HEADER.match(lines[i + 1]):
        return False
    # The first half of a wrapped header starts with "On" or holds the time of the mail.
    starts = WRAPPED_START.search(lines[i])
    return bool(starts) and bool(QUOTE_HEADER.match(f"{lines[i]} {lines[i + 1]}"))


def _is_header_block(lines: list[str], i: int) -> bool:
    if not HEADER_FROM.match(lines[i]):
        return False
    return any(HEADER_SENT.match(line) for line in lines[i + 1 : i + 5])


def own_text(text: str) -> str:
    """The customer's new text: quotes, quote headers, signatures, sign-offs with what
    follows them, phone lines and mobile footers are left out."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if _quoted(line):
            i += 1
            continue
        if (
            SIGNATURE.match(line)
            or RULE.match(line)
            or MOBILE_FOOTER.match(stripped)
            or _is_header_block(lines, i)
            or (CLOSING.match(stripped) and any(k.strip() for k in kept))
        ):
            break
        if _is_quote_header(lines, i):
            wrapped = not QUOTE_HEADER.match(line)
            following = [k for k in lines[i + 1 + wrapped :] if k.strip()]
            if not following or not _quoted(following[0]):
                break  # the quote is not marked with ">": all of the rest is the quote
            i += 1 + wrapped  # bottom posting: the customer may write below the quote
            continue
        if PHONE.match(stripped):
            i += 1
            continue
        kept.append(line)
        i += 1
    return "\n".join(kept).strip()[:MAX_TEXT]


def _forwarded_part(lines: list[str]) -> str:
    """The forwarded mail's subject and own text, without its header block."""
    subject = ""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines) and HEADER_LINE.match(lines[i]):
        found = HEADER_SUBJECT.match(lines[i])
        if found:
            subject = found.group(2).strip()
        i += 1
    body = split_message("\n".join(lines[i:]))
    return "\n".join(part for part in (subject, body.own or body.forwarded) if part)


def forwarded_from(text: str) -> str:
    """The From line of the forwarded mail's header block ("" when there is none)."""
    lines = (text or "").splitlines()
    for index, line in enumerate(lines):
        if FORWARD.match(line):
            for header in lines[index + 1 : index + 12]:
                if HEADER_FROM.match(header):
                    return header.split(":", 1)[1].strip()
            return ""
    return ""


def split_message(text: str) -> MessageText:
    """The customer's new text and, below a forward marker, the forwarded mail."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        if FORWARD.match(line):
            return MessageText(own=own_text("\n".join(lines[:index])), forwarded=_forwarded_part(lines[index + 1 :]))
    return MessageText(own=own_text(text))


class _HtmlText(HTMLParser):
    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr", "pre"}
    SKIP = {"style", "script", "head", "title"}
    SIGNATURE_CLASSES = {"gmail_signature", "moz-signature", "signature"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote_depth = 0
        self.skip_depth = 0

    def _newline(self):
        if self.lines[-1].strip(" >"):
            self.lines.append("")

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip_depth += 1
            return
        classes = set((dict(attrs).get("class") or "").split())
        if tag == "blockquote":
            self._newline()
            self.quote_depth += 1
        elif tag in self.BLOCKS:
            self._newline()
        if classes & self.SIGNATURE_CLASSES:
            self._newline()
            self.lines[-1] = "-- "
            self.lines.append("")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "blockquote":
            self._newline()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag in self.BLOCKS:
            self._newline()

    def handle_data(self, data):
        if self.skip_depth:
            return
        text = re.sub(r"[ \t\r\n\u00a0]+", " ", data)
        if not text.strip() and not self.lines[-1]:
            return
        if not self.lines[-1] and self.quote_depth:
            self.lines[-1] = "> " * self.quote_depth
        self.lines[-1] += text


def html_to_text(html: str) -> str:
    """An HTML-only mail as the text a plain-text client would have sent."""
    parser = _HtmlText()
    parser.feed(html or "")
    parser.close()
    return "\n".join(line.strip() for line in parser.lines).strip()
