import datetime as dt
import hashlib
import json
import re
import secrets

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from kabinet.api.models import ApiToken, SubmissionKey, password_stamp
from kabinet.customers.models import Account, AccountAccess, User
from kabinet.meters.models import Meter, Reading
from kabinet.meters.services import ChargeEstimator, readings_submit
from kabinet.utility.exceptions import ApplicationError
from kabinet.utility.models import Service
from kabinet.utility.services import event_record
from kabinet.utility.sql import Columns

TOKEN_PREFIX = "kab_"  # nosec B105  # the public prefix of every token, not a secret
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
            row = ApiToken.objects.create(
                user=user,
                name=name,
                prefix=token[:12],
                token_hash=token_hash(token),
                password_stamp=password_stamp(user),
            )
    except IntegrityError as exc:
        raise ApplicationError("name_taken", _("You already have a token with this name."), field="name") from exc
    event_record(kind="api_token.created", actor=user, obj=row, message=name)
    return row, token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    if token.revoked is None:
        ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now())
        event_record(kind="api_token.revoked", actor=actor, obj=token, message=token.name)


def _revoke_after_password_change(token_id: int, user: User) -> None:
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
        _revoke_after_password_change(token.pk, user)
    return len(stale)


def api_token_user(token: str) -> User | None:
    """The active login a presented token belongs to (and note when it was used)."""
    return api_token_auth(token)[0]


def api_token_auth(token: str, meter_id: int | None = None) -> tuple[User | None, Meter | None]:
    """The active login a presented token belongs to and, if `meter_id` is given, that
    meter (with its service) when it is one of the login's meters (as meters_visible_to()),
    else None. Notes when the token was used, at most every LAST_USED_GRANULARITY.

    One hand-written query: this authenticates every API request, and the token lookup
    plus a separate DISTINCT meter check cost a third of a reading submission, most of it
    in building the SQL."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None, None
    with_meter = meter_id is not None
    sql, token_cols, user_cols, meter_cols, service_cols = _auth_sql(with_meter)
    params = [meter_id, token_hash(token)] if with_meter else [token_hash(token)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None, None
    token_id, last_used, stamp = token_cols.values(row[:3])
    user = user_cols.instance(row[3 : 3 + len(user_cols)])
    if not constant_time_compare(stamp, password_stamp(user)):
        _revoke_after_password_change(token_id, user)
        return None, None
    meter = None
    if with_meter:
        at = 3 + len(user_cols)
        meter = meter_cols.instance(row[at : at + len(meter_cols)])
        if meter is not None:
            meter.service = service_cols.instance(row[at + len(meter_cols) :])
    now = timezone.now()
    if last_used is None or now - last_used > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token_id).update(last_used=now)
    return user, meter


# The SQL and its columns, built once per database vendor.
_auth_sql_cache: dict[tuple[str, bool], tuple] = {}


def _auth_sql(with_meter: bool) -> tuple:
    key = (connection.vendor, with_meter)
    if key not in _auth_sql_cache:
        qn = connection.ops.quote_name
        token_cols = Columns(
            ApiToken,
            "t",
            [ApiToken._meta.pk, ApiToken._meta.get_field("last_used"), ApiToken._meta.get_field("password_stamp")],
        )
        user_cols = Columns(User, "u")
        meter_cols = Columns(Meter, "m")
        service_cols = Columns(Service, "s")
        select = [token_cols.sql, user_cols.sql]
        joins = ""
        if with_meter:
            select += [meter_cols.sql, service_cols.sql]
            # The meter only if it is at the premises of an open account the login may open:
            # the rule of meters_visible_to().
            joins = (
                f" LEFT JOIN {qn(Meter._meta.db_table)} m ON m.id = %s AND EXISTS ("
                f"SELECT 1 FROM {qn(AccountAccess._meta.db_table)} aa"
                f" JOIN {qn(Account._meta.db_table)} a ON a.id = aa.{qn('account_id')}"
                f" WHERE aa.{qn('user_id')} = u.id AND a.{qn('premises_id')} = m.{qn('premises_id')}"
                f" AND a.{qn('closed_on')} IS NULL)"
                f" LEFT JOIN {qn(Service._meta.db_table)} s ON s.id = m.{qn('service_id')}"
            )
        sql = (
            f"SELECT {', '.join(select)} FROM {qn(ApiToken._meta.db_table)} t"
            f" JOIN {qn(User._meta.db_table)} u ON u.id = t.{qn('user_id')}{joins}"
            f" WHERE t.{qn('token_hash')} = %s AND t.{qn('revoked')} IS NULL AND u.{qn('is_active')}"
        )
        _auth_sql_cache[key] = (sql, token_cols, user_cols, meter_cols, service_cols)
    return _auth_sql_cache[key]


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
