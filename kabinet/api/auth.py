"""Who is calling the API: a personal token (home automation, scripts) or the portal's
own session (the installable portal's progressive enhancement)."""

from dataclasses import dataclass

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from kabinet.customers.models import Account, AccountAccess, ApiToken, TokenScope, User, password_stamp
from kabinet.customers.services.api_tokens import (
    LAST_USED_GRANULARITY,
    TOKEN_PREFIX,
    api_token_revoke_stale,
    token_hash,
)
from kabinet.meters.models import Meter
from kabinet.utility.models import Service
from kabinet.utility.sql import Columns


class PortalSessionAuth(SessionAuth):
    """The portal's own session (with CSRF), for the PWA's progressive enhancement.

    Without a session cookie there is no session to protect from cross-site requests:
    the CSRF check is skipped and the request is simply not authenticated (401, like a
    missing token) instead of answering 403 "CSRF check failed"."""

    def _get_key(self, request: HttpRequest):
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class PersonalTokenAuth(HttpBearer):
    """`Authorization: Bearer kab_…`: a personal token made on the portal's API tokens page."""

    def authenticate(self, request: HttpRequest, token: str):
        # A request about one meter (/meters/<meter_id>/…) checks in the same query that the
        # meter is one of this login's: see my_meter() in readings.py.
        meter_id = _meter_id(request)
        user, meter, grant = api_token_auth(token, meter_id)
        if user is not None:
            request.user = user
            request.token_grant = grant
            if meter_id is not None:
                request._kabinet_meter = (meter_id, meter)
        return user


def _meter_id(request: HttpRequest) -> int | None:
    match = getattr(request, "resolver_match", None)
    raw = match.kwargs.get("meter_id") if match is not None else None
    try:
        meter_id = int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
    # Outside the database's bigint: no such meter (the view answers 422 for it).
    return meter_id if meter_id is not None and 0 < meter_id < 2**63 else None


@dataclass(frozen=True, slots=True)
class Grant:
    """What the presented token may do: its scopes and, if it has one, its premises."""

    scopes: frozenset[str]
    premises_id: int | None = None
    token_id: int | None = None


# The portal's own session: the customer themselves, every scope, every premises.
SESSION_GRANT = Grant(frozenset(TokenScope.values))


def request_grant(request: HttpRequest) -> Grant:
    return getattr(request, "token_grant", None) or SESSION_GRANT


def scope_require(request: HttpRequest, scope: str) -> Grant:
    """The request's grant, or 403 if its token was not given `scope`."""
    grant = request_grant(request)
    if scope not in grant.scopes:
        raise HttpError(
            403, _("This token may not do this: it was not given “%(scope)s”.") % {"scope": TokenScope(scope).label}
        )
    return grant


def api_token_auth(token: str, meter_id: int | None = None) -> tuple[User | None, Meter | None, Grant | None]:
    """The active login a presented token belongs to, what the token may do (Grant) and,
    if `meter_id` is given, that meter (with its service) when it is one of the login's
    meters (as meters_visible_to()) at the token's premises, if it has one, else None.
    Notes when the token was used, at most every LAST_USED_GRANULARITY.

    One hand-written query: this authenticates every API request, and the token lookup
    plus a separate DISTINCT meter check cost a third of a reading submission, most of it
    in building the SQL."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None, None, None
    with_meter = meter_id is not None
    sql, token_cols, user_cols, meter_cols, service_cols = _auth_sql(with_meter)
    params = [meter_id, token_hash(token)] if with_meter else [token_hash(token)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None, None, None
    token_id, last_used, stamp, scopes, premises_id = token_cols.values(row[:5])
    user = user_cols.instance(row[5 : 5 + len(user_cols)])
    if not constant_time_compare(stamp, password_stamp(user)):
        api_token_revoke_stale(token_id, user)
        return None, None, None
    meter = None
    if with_meter:
        at = 5 + len(user_cols)
        meter = meter_cols.instance(row[at : at + len(meter_cols)])
        if meter is not None:
            meter.service = service_cols.instance(row[at + len(meter_cols) :])
    now = timezone.now()
    if last_used is None or now - last_used > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token_id).update(last_used=now)
    return user, meter, Grant(frozenset(scopes or ()), premises_id, token_id)


# The SQL and its columns, built once per database vendor.
_auth_sql_cache: dict[tuple[str, bool], tuple] = {}


def _auth_sql(with_meter: bool) -> tuple:
    key = (connection.vendor, with_meter)
    if key not in _auth_sql_cache:
        qn = connection.ops.quote_name
        token_cols = Columns(
            ApiToken,
            "t",
            [
                ApiToken._meta.pk,
                ApiToken._meta.get_field("last_used"),
                ApiToken._meta.get_field("password_stamp"),
                ApiToken._meta.get_field("scopes"),
                ApiToken._meta.get_field("premises"),
            ],
        )
        user_cols = Columns(User, "u")
        meter_cols = Columns(Meter, "m")
        service_cols = Columns(Service, "s")
        select = [token_cols.sql, user_cols.sql]
        joins = ""
        if with_meter:
            select += [meter_cols.sql, service_cols.sql]
            # The meter only if it is at the premises of an open account the login may open
            # (the rule of meters_visible_to()) and at the token's premises if it has one.
            joins = (
                f" LEFT JOIN {qn(Meter._meta.db_table)} m ON m.id = %s"
                f" AND (t.{qn('premises_id')} IS NULL OR t.{qn('premises_id')} = m.{qn('premises_id')}) AND EXISTS ("
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
