"""Reading values as people type them: "123,4", "123.4", "1 234", "١٢٣", "１２３".

Customers write decimals with a comma or a dot, put spaces between thousands, and phones
send digits of other scripts; all of those are the same number. Anything else gets a
clear, translated refusal naming what was wrong.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from kabinet.lib.money import truncate
from kabinet.utility.exceptions import ApplicationError

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2009\u200a'’]")
_MINUS = "-\u2212\u2012\u2013\u2014\ufe63\uff0d"
_NUMBER = re.compile(r"^(\d*)(?:[.,](\d*))?$")
MAX_INPUT = 40
# A reading as written in free text (an e-mail, an SMS), with a sign written directly before
# its digits kept: "-330" or "−455" is a negative reading that parse_reading_value() refuses,
# never 330 or 455 read past the sign.
MINUS_SIGNS = _MINUS
VALUE_IN_TEXT = re.compile(rf"^[+{re.escape(_MINUS)}]?\d+(?:[.,]\d+)?$")


def normalise_digits(text: str) -> str:
    """Map every Unicode decimal digit (Arabic-Indic, fullwidth, Devanagari…) to ASCII."""
    out = []
    for ch in text:
        if ch.isdigit() and not ("0" <= ch <= "9"):
            try:
                out.append(str(unicodedata.decimal(ch)))
                continue
            except ValueError:
                pass
        out.append({"\uff0c": ",", "\uff0e": ".", "\u066b": ",", "\u066c": ""}.get(ch, ch))
    return "".join(out)


def parse_reading_value(raw, *, digits_before: int, decimals: int) -> tuple[Decimal, Decimal]:
    """The number as entered and the value used (fraction beyond `decimals` dropped, never
    rounded). Raises ApplicationError with a translated message."""
    if isinstance(raw, Decimal | int):
        text = str(raw)
    else:
        text = str(raw or "")
    text = normalise_digits(text.strip())[: MAX_INPUT + 1]
    if not text:
        raise ApplicationError("empty", _("Enter the reading."), field="value")
    if len(text) > MAX_INPUT:
        raise ApplicationError("too_many_digits", _("The reading is too long."), field="value")
    compact = _SPACES.sub("", text)
    if compact and compact[0] in _MINUS:
        raise ApplicationError("negative", _("A reading cannot be negative."), field="value")
    if compact.startswith("+"):
        compact = compact[1:]
    match = _NUMBER.match(compact)
    if not match or not (match.group(1) or match.group(2)):
        raise ApplicationError(
            "not_a_number",
            _("“%(value)s” is not a number. Enter the digits on the meter, e.g. 123,4.") % {"value": text[:20]},
            field="value",
        )
    whole = (match.group(1) or "0").lstrip("0") or "0"
    fraction = match.group(2) or ""
    if len(whole) > digits_before:
        raise ApplicationError(
            "too_many_digits",
            _("The meter shows at most %(digits)d digits before the decimal point.") % {"digits": digits_before},
            field="value",
        )
    try:
        entered = Decimal(f"{whole}.{fraction or '0'}")
    except InvalidOperation as exc:  # pragma: no cover - the regex already admits only digits
        raise ApplicationError("not_a_number", _("Enter the digits on the meter."), field="value") from exc
    return entered, truncate(entered, min(decimals, 3))
