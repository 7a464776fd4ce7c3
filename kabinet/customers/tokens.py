"""Signed links (activation, password reset, e-mail change, invitations) and letter codes.

A link token is `django.core.signing` data carrying the login's id and a fingerprint of the
login's current state (password hash, activation, last login, e-mail). Using the link
changes that state, so the same link never works twice, and a password change kills every
outstanding link - the idea of Django's PasswordResetTokenGenerator, with a lifetime per
purpose and a payload (the new e-mail address, the invitation).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from kabinet.utility.exceptions import ApplicationError


class Purpose(Enum):
    ACTIVATE = ("kabinet.customers.activate", 72 * 3600)
    RESET = ("kabinet.customers.reset", 24 * 3600)
    EMAIL = ("kabinet.customers.email", 72 * 3600)
    INVITE = ("kabinet.customers.invite", 14 * 24 * 3600)

    @property
    def salt(self) -> str:
        return self.value[0]

    @property
    def max_age(self) -> int:
        return self.value[1]


LINK_EXPIRED = _("This link has expired. Request a new one.")
LINK_INVALID = _("This link is not valid. Open it exactly as it is in the e-mail, or request a new one.")
LINK_USED = _("This link has already been used. Request a new one if you still need it.")


def user_fingerprint(user) -> str:
    """Changes whenever the login's password, activation, e-mail or last login changes."""
    login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None).isoformat()
    value = f"{user.pk}|{user.password}|{user.is_active}|{user.activation_pending}|{login}|{user.email.lower()}"
    return salted_hmac("kabinet.customers.fingerprint", value, algorithm="sha256").hexdigest()[:32]


def token_make(purpose: Purpose, *, user=None, **payload) -> str:
    data = dict(payload)
    if user is not None:
        data["u"] = user.pk
        data["f"] = user_fingerprint(user)
    return signing.dumps(data, salt=purpose.salt, compress=True)


@dataclass(frozen=True)
class TokenData:
    user_id: int | None
    fingerprint: str
    payload: dict


def token_read(purpose: Purpose, token: str) -> TokenData:
    """The token's content, or ApplicationError(link_expired|link_invalid)."""
    try:
        data = signing.loads(token, salt=purpose.salt, max_age=purpose.max_age)
    except signing.SignatureExpired:
        raise ApplicationError("link_expired", LINK_EXPIRED) from None
    except signing.BadSignature:
        raise ApplicationError("link_invalid", LINK_INVALID) from None
    if not isinstance(data, dict):
        raise ApplicationError("link_invalid", LINK_INVALID)
    user_id = data.pop("u", None)
    fingerprint = data.pop("f", "")
    return TokenData(user_id=user_id, fingerprint=fingerprint, payload=data)


def fingerprint_matches(user, token: TokenData) -> bool:
    return constant_time_compare(user_fingerprint(user), token.fingerprint)


# --- One-time codes for printed letters ----------------------------------------------

# No 0/O, 1/I/L: the code is typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
CODE_VALID_DAYS = 14


def code_generate() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def code_normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_hash(code: str) -> str:
    """A keyed hash: a stolen database alone does not give usable codes."""
    key = hashlib.sha256(f"kabinet.customers.code|{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, code_normalise(code).encode(), hashlib.sha256).hexdigest()
