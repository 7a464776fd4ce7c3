"""Personal API tokens: made and revoked on the portal's tokens page, checked by the API.

A token is shown once; only its SHA-256 is kept. A token stops working when its login's
password changes, whichever door changed it (ApiToken.password_stamp).
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.customers.models import ApiToken, Premises, TokenScope, User, password_stamp
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.services import event_record

TOKEN_PREFIX = "kab_"  # nosec B105  # the public prefix of every token, not a secret
MAX_ACTIVE_TOKENS = 10
# last_used is written at most this often: a poll every minute must not write every time.
LAST_USED_GRANULARITY = dt.timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scopes: Iterable[str] | None = None, premises_id: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token, which is never shown again.

    `scopes` (TokenScope values; all of them if None) limit what it may do; `premises_id`,
    one of the login's premises, limits it to that premises' meters."""
    name = " ".join((name or "").split())[:60]
    if not name:
        raise ApplicationError("name_required", _("Give the token a name, e.g. “Home Assistant”."), field="name")
    scopes = list(TokenScope.values) if scopes is None else [s for s in TokenScope.values if s in set(scopes)]
    if not scopes:
        raise ApplicationError("scopes_required", _("Choose what the token may do."), field="scopes")
    if premises_id is not None and not _premises_of(user).filter(pk=premises_id).exists():
        raise ApplicationError("premises_unknown", _("Choose one of your addresses."), field="premises")
    if ApiToken.objects.filter(user=user, revoked__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ApplicationError(
            "too_many_tokens", _("You have %(n)d active tokens; revoke one first.") % {"n": MAX_ACTIVE_TOKENS}
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            row = ApiToken.objects.create(
                user=user,
                name=name,
                prefix=token[:12],
                token_hash=token_hash(token),
                password_stamp=password_stamp(user),
                scopes=scopes,
                premises_id=premises_id,
            )
    except IntegrityError as exc:
        raise ApplicationError("name_taken", _("You already have a token with this name."), field="name") from exc
    event_record(kind="api_token.created", actor=user, obj=row, message=name)
    return row, token


def _premises_of(user: User):
    """The premises of the open accounts this login may open."""
    return Premises.objects.filter(accounts__accesses__user=user, accounts__closed_on__isnull=True).distinct()


def token_premises_choices(user: User) -> list[Premises]:
    return list(_premises_of(user).select_related("building").order_by("building__street", "apartment"))


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    if token.revoked is None:
        ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now())
        event_record(kind="api_token.revoked", actor=actor, obj=token, message=token.name)


def api_token_revoke_stale(token_id: int, user: User) -> None:
    if ApiToken.objects.filter(pk=token_id, revoked__isnull=True).update(revoked=timezone.now()):
        token = ApiToken(pk=token_id, user=user)
        event_record(kind="api_token.revoked", actor=user, obj=token, message="password changed")


@transaction.atomic
def api_tokens_check(*, user: User) -> int:
    """Mark revoked the login's tokens made before its password last changed (they no
    longer work); returns how many. The tokens page calls it so the customer sees it."""
    stamp = password_stamp(user)
    stale = list(ApiToken.objects.filter(user=user, revoked__isnull=True).exclude(password_stamp=stamp))
    for token in stale:
        api_token_revoke_stale(token.pk, user)
    return len(stale)
