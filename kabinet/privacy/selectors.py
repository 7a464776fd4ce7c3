"""Reads for the privacy pages: the notice, the retention of kept records, the requests."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from kabinet.billing.models import Invoice
from kabinet.customers.models import Account, User
from kabinet.payments.models import Payment
from kabinet.privacy.models import CorrectionRequest, DataExport, ErasureRequest, PrivacyPolicy
from kabinet.privacy.rules import retention_basis_default, retention_until
from kabinet.utility.models import UtilityProfile


def privacy_policy() -> PrivacyPolicy:
    """The deployment's notice; an unsaved one with the defaults when staff wrote none."""
    return PrivacyPolicy.objects.filter(pk=1).first() or PrivacyPolicy(pk=1)


def retention_basis(policy: PrivacyPolicy) -> str:
    """The law the notice names, in the page's language, else the country's default."""
    return policy.retention_basis or retention_basis_default(UtilityProfile.get().currency)


@dataclass(frozen=True)
class Kept:
    account: Account
    until: dt.date


def kept_records(user: User, policy: PrivacyPolicy, today: dt.date | None = None) -> list[Kept]:
    """Each account of the login with the day its invoices and payments may be deleted
    (three queries, whatever the number of accounts)."""
    today = today or timezone.localdate()
    accounts = list(Account.objects.filter(accesses__user=user).select_related("premises__building").order_by("number"))
    ids = [a.pk for a in accounts]
    last_invoice = dict(
        Invoice.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(d=Max("issued_on"))
        .values_list("account_id", "d")
    )
    last_payment = dict(
        Payment.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(d=Max("paid_on"))
        .values_list("account_id", "d")
    )
    out = []
    for account in accounts:
        dates = [d for d in (last_invoice.get(account.pk), last_payment.get(account.pk), account.closed_on) if d]
        # An open account keeps adding records: its period runs from the latest one on.
        last = max(dates) if dates else None
        if account.closed_on is None:
            last = max(last or today, today)
        out.append(Kept(account, retention_until(last, policy.retention_years, today)))
    return out


def exports_for(user: User) -> list[DataExport]:
    return list(DataExport.objects.filter(user=user).order_by("-created", "-id")[:3])


def corrections_for(user: User, limit: int = 20) -> list[CorrectionRequest]:
    return list(
        CorrectionRequest.objects.filter(user=user).select_related("account").order_by("-created", "-id")[:limit]
    )


def erasure_requests_for(user: User) -> list[ErasureRequest]:
    return list(ErasureRequest.objects.filter(user=user).order_by("-created", "-id")[:5])
