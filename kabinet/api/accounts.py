"""Accounts over the API: the login's accounts and premises with balance and debt, and
each account's meters with their verification dates.

What is owed comes from payments.selectors.account_dues, as on every portal page; balance
and debt are shown only where the login may see invoices (a household member with
readings-only access gets null, as the portal shows them nothing)."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from kabinet.api.common import AUTH, ETAG_EXTRA, PathId, accesses, etag, one_access
from kabinet.customers.models import AccountAccess, TokenScope
from kabinet.meters.selectors import meters_for_premises
from kabinet.payments.selectors import account_dues
from kabinet.utility.models import UtilityProfile

router = Router(tags=["accounts"], auth=AUTH)


class PremisesOut(Schema):
    id: int
    address: str
    area: Decimal
    residents: int


class AccountOut(Schema):
    id: int
    number: str
    role: str
    role_label: str
    premises: PremisesOut
    currency: str
    balance: Decimal | None  # positive: owed; negative: paid in advance
    to_pay: Decimal | None
    credit: Decimal | None
    due_on: dt.date | None
    overdue: bool | None


class AccountMeterOut(Schema):
    id: int
    serial_number: str
    service: str
    service_name: str
    unit: str
    location: str
    status: str
    installed_on: dt.date
    verified_on: dt.date | None
    verification_due: dt.date | None
    verification_expired: bool


def _account_out(access: AccountAccess, dues, currency: str) -> dict:
    account, premises = access.account, access.account.premises
    owed = dues.get(access.account_id) if access.can_see_invoices else None
    return {
        "id": account.pk,
        "number": account.number,
        "role": access.role,
        "role_label": access.get_role_display(),
        "premises": {
            "id": premises.pk,
            "address": premises.address,
            "area": premises.area,
            "residents": premises.residents,
        },
        "currency": currency,
        "balance": owed.balance if owed else None,
        "to_pay": owed.to_pay if owed else None,
        "credit": owed.credit if owed else None,
        "due_on": owed.due_on if owed else None,
        "overdue": owed.overdue if owed else None,
    }


def _accounts_out(rows: list[AccountAccess]) -> list[dict]:
    billed = [a.account_id for a in rows if a.can_see_invoices]
    dues = account_dues(billed, timezone.localdate()) if billed else {}
    currency = UtilityProfile.get().currency
    return [_account_out(a, dues, currency) for a in rows]


@router.get("", response=list[AccountOut], summary="My accounts and premises", openapi_extra=ETAG_EXTRA)
@etag
def account_list(request: HttpRequest):
    _grant, rows = accesses(request, TokenScope.ACCOUNT_READ)
    return _accounts_out(rows)


@router.get("/{account_id}", response=AccountOut, summary="One account with its balance and debt")
def account_detail(request: HttpRequest, account_id: PathId):
    return _accounts_out([one_access(request, TokenScope.ACCOUNT_READ, account_id)])[0]


@router.get(
    "/{account_id}/meters",
    response=list[AccountMeterOut],
    summary="The account's meters with their verification dates",
    openapi_extra=ETAG_EXTRA,
)
@etag
def account_meters(request: HttpRequest, account_id: PathId):
    access = one_access(request, TokenScope.ACCOUNT_READ, account_id)
    today = timezone.localdate()
    return [
        {
            "id": m.pk,
            "serial_number": m.serial_number,
            "service": m.service.code,
            "service_name": m.service.name,
            "unit": m.service.get_unit_display(),
            "location": m.location,
            "status": m.status,
            "installed_on": m.installed_on,
            "verified_on": m.verified_on,
            "verification_due": m.verification_due,
            "verification_expired": m.verification_expired(today),
        }
        for m in meters_for_premises(access.account.premises_id)
    ]
