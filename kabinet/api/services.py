import datetime as dt
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.api.models import ApiToken
from kabinet.customers.models import User
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.services import event_record

TOKEN_PREFIX = "kab_"
MAX_ACTIVE_TOKENS = 10
# last_used is written at most this often: a poll every minute must not write every time.
LAST_USED_GRANULARITY = dt.timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token, which is never shown again."""
    name = " ".join((name or "").split())[:60]
    if not name:
        raise ApplicationError("name_required", _("Give the token a name, e.g. “Home Assistant”."), field="name")
    if ApiToken.objects.filter(user=user, revoked__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ApplicationError(
            "too_many_tokens", _("You have %(n)d active tokens; revoke one first.") % {"n": MAX_ACTIVE_TOKENS}
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            row = ApiToken.objects.create(user=user, name=name, prefix=token[:12], token_hash=token_hash(token))
    except IntegrityError as exc:
        raise ApplicationError("name_taken", _("You already have a token with this name."), field="name") from exc
    event_record(kind="api_token.created", actor=user, obj=row, message=name)
    return row, token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    if token.revoked is None:
        ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now())
        event_record(kind="api_token.revoked", actor=actor, obj=token, message=token.name)


def api_token_user(token: str) -> User | None:
    """The active login a presented token belongs to (and note when it was used)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = (
        ApiToken.objects.filter(token_hash=token_hash(token), revoked__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used is None or now - row.last_used > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=row.pk).update(last_used=now)
    return row.user
