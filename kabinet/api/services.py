import datetime as dt
import hashlib
import json
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.api.models import ApiToken, SubmissionKey
from kabinet.customers.models import User
from kabinet.meters.models import Meter, Reading
from kabinet.meters.services import ChargeEstimator, readings_submit
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


# --- idempotency keys for reading submissions ------------------------------------------

CLIENT_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _fingerprint(entries: list[tuple[Meter, object, bool]]) -> str:
    canonical = sorted((meter.pk, str(value).strip(), bool(confirm)) for meter, value, confirm in entries)
    return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


def _replayed(row: SubmissionKey, fingerprint: str) -> list[Reading]:
    if row.fingerprint != fingerprint:
        raise ApplicationError(
            "key_reused",
            _("These readings were already sent with other values from this form. Reload the page and submit again."),
        )
    by_id = Reading.objects.select_related("meter__service").in_bulk(row.reading_ids)
    return [by_id[pk] for pk in row.reading_ids if pk in by_id]


def readings_submit_once(
    *,
    user: User,
    client_key: str,
    entries: list[tuple[Meter, object, bool]],
    source: str,
    ip: str | None = None,
    charge_estimator: ChargeEstimator | None = None,
) -> tuple[list[Reading], bool]:
    """readings_submit() under the client's idempotency key. Returns the readings and
    whether they were replayed: the same key again (a retry from the offline queue, a
    re-sent form) gets the readings of the first submission, and no new reading, event or
    receipt e-mail. Without a key it is a plain readings_submit().

    The key row is inserted before the readings in one transaction: a concurrent retry
    waits on the unique index (PostgreSQL) or the write lock (SQLite) and then replays.
    """
    client_key = (client_key or "").strip()
    if not client_key:
        submitted = readings_submit(
            entries=entries, source=source, actor=user, ip=ip, charge_estimator=charge_estimator
        )
        return submitted, False
    if not CLIENT_KEY_RE.match(client_key):
        raise ApplicationError("bad_key", _("The submission key is not valid. Reload the page and submit again."))
    fingerprint = _fingerprint(entries)
    existing = SubmissionKey.objects.filter(user=user, key=client_key).first()
    if existing is not None:
        return _replayed(existing, fingerprint), True
    try:
        with transaction.atomic():
            row = SubmissionKey.objects.create(user=user, key=client_key, fingerprint=fingerprint)
            submitted = readings_submit(
                entries=entries, source=source, actor=user, ip=ip, charge_estimator=charge_estimator
            )
            row.reading_ids = [r.pk for r in submitted]
            row.save(update_fields=["reading_ids"])
    except IntegrityError:
        existing = SubmissionKey.objects.filter(user=user, key=client_key).first()
        if existing is None:
            raise
        return _replayed(existing, fingerprint), True
    return submitted, False
