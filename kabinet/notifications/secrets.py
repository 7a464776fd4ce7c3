"""Secrets in queued mail: what the outbox row keeps instead of a live link or code.

A message that carries a secret (a signed link's token, a one-time code) is stored with a
placeholder in its place, so whoever reads the outbox in the back office, or a copy of the
table, learns nothing that opens an account. The secret itself is kept beside the row only
until the mail is sent (OutboxMessage.secret_values) and put back into the sent copy alone.
"""

from collections.abc import Iterable, Sequence
from urllib.parse import quote

# Shown where the secret was, numbered so that the sender puts each one back in its place.
PLACEHOLDER = "[hidden-{}]"


def secrets_expand(secrets: Iterable[str]) -> list[str]:
    """Every form a secret takes in a rendered mail: as given, and percent-encoded as
    {% url %} writes it. Longest first, so a longer form is replaced before its part."""
    forms = set()
    for secret in secrets:
        if secret:
            forms.update({secret, quote(secret, safe="/~:@!$&'()*+,;=")})
    return sorted(forms, key=lambda s: (-len(s), s))


def secrets_mask(text: str, values: Sequence[str]) -> str:
    for number, value in enumerate(values, start=1):
        text = text.replace(value, PLACEHOLDER.format(number))
    return text


def secrets_unmask(text: str, values: Sequence[str]) -> str:
    for number, value in enumerate(values, start=1):
        text = text.replace(PLACEHOLDER.format(number), value)
    return text
