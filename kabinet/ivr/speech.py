"""Numbers as a voice should read them.

Speech synthesis reads "1234.5" as a date, a price or "one thousand two hundred
thirty-four dot five" depending on the voice and the language, and reads an account
number as one big number. So a reading is said as its whole part (a number every voice
reads right), the translated word for the point, and the decimals digit by digit ("12
point 0 5"); an account number is said digit by digit.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import pgettext


def spoken_digits(text: str) -> str:
    """ "100001" -> "1 0 0 0 0 1"."""
    return " ".join(ch for ch in text if ch.isdigit())


def spoken_value(value) -> str:
    """A reading ("1234.5", a Decimal) as words for speech synthesis: "1234 point 5"."""
    text = str(value).strip().replace(",", ".")
    try:
        Decimal(text)
    except InvalidOperation:
        return spoken_digits(text)
    whole, _dot, fraction = text.partition(".")
    whole = whole.lstrip("0") or "0"
    if not fraction:
        return whole
    return f"{whole} {pgettext('the decimal point, spoken', 'point')} {spoken_digits(fraction)}"
