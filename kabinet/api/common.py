"""What every customer router of the API shares: who may open which account, pages,
periods and ETags on lists.

A token limited to one premises (Grant.premises_id) sees only that premises' accounts and
what hangs off them (invoices, payments, requests, outages, household); the portal's
session sees every account of its login, as the portal does."""

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Annotated

from django.http import Http404, HttpRequest
from django.utils.cache import get_conditional_response, set_response_etag
from ninja import Field, Path, Query, Schema
from ninja.decorators import decorate_view

from kabinet.api.auth import Grant, PersonalTokenAuth, PortalSessionAuth, scope_require
from kabinet.customers.models import AccountAccess
from kabinet.customers.selectors import accesses_for_user

AUTH = [PersonalTokenAuth(), PortalSessionAuth()]
# An id as the database can hold it (a bigint): anything larger is a 422, not a 500.
PathId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def accesses(request: HttpRequest, scope: str) -> tuple[Grant, list[AccountAccess]]:
    """The login's open accounts the request may open (403 without `scope`)."""
    grant = scope_require(request, scope)
    rows = accesses_for_user(request.auth)
    if grant.premises_id is not None:
        rows = rows.filter(account__premises_id=grant.premises_id)
    return grant, list(rows)


def billing_accesses(request: HttpRequest, scope: str, account_id: int | None = None) -> list[AccountAccess]:
    """The accounts whose invoices and payments the login may see (a household member with
    readings-only access may not, as on the portal); only `account_id` if given (404 if
    it is not one of them)."""
    _grant, rows = accesses(request, scope)
    rows = [a for a in rows if a.can_see_invoices]
    if account_id is not None:
        rows = [a for a in rows if a.account_id == account_id]
        if not rows:
            raise Http404
    return rows


def one_access(request: HttpRequest, scope: str, account_id: int) -> AccountAccess:
    _grant, rows = accesses(request, scope)
    found = next((a for a in rows if a.account_id == account_id), None)
    if found is None:
        raise Http404
    return found


# --- pages and periods ------------------------------------------------------------------------


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=100, description="How many items (1–100)")
    offset: int = Field(0, ge=0, le=1_000_000, description="How many to skip")


class PeriodQuery(Schema):
    period_from: dt.date | None = Field(None, description="From this day (inclusive), e.g. 2026-01-01")
    period_to: dt.date | None = Field(None, description="Up to this day (inclusive)")


PageParams = Query[PageQuery]
PeriodParams = Query[PeriodQuery]


def page_of(items, page: PageQuery) -> dict:
    """{"count", "limit", "offset", "items"}: one COUNT and one LIMIT/OFFSET query for a
    queryset, a slice for a list."""
    count = items.count() if hasattr(items, "count") and not isinstance(items, Sequence) else len(items)
    return {
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
        "items": list(items[page.offset : page.offset + page.limit]),
    }


def in_period(queryset, field: str, period: PeriodQuery):
    if period.period_from is not None:
        queryset = queryset.filter(**{f"{field}__gte": period.period_from})
    if period.period_to is not None:
        queryset = queryset.filter(**{f"{field}__lte": period.period_to})
    return queryset


# --- ETag / If-None-Match ------------------------------------------------------------------------


def _etag(run):
    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args, **kwargs):
        response = run(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            set_response_etag(response)
            # Lists are private: a shared cache must not keep one login's list for another.
            response["Vary"] = "Authorization, Cookie, Accept-Language"
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response

    return wrapper


# A list answers with an ETag (of its body); sent back as If-None-Match, an unchanged list is
# a 304 without a body: a dashboard polling every minute downloads nothing new.
etag = decorate_view(_etag)
ETAG_DESCRIPTION = "Answers with an `ETag`; send it back as `If-None-Match` to get 304 while the list is unchanged."

ETAG_EXTRA = {
    "parameters": [{"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"}}],
    "responses": {"304": {"description": "Not modified since the ETag sent in If-None-Match."}},
}
IDEMPOTENT_EXTRA = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
        }
    ]
}
