"""Reads for the automatic payment pages (a bounded number of queries)."""

from django.db.models import Prefetch

from kabinet.autopay.models import LIVE, Attempt, Mandate, SavedMethod
from kabinet.customers.models import AccessRole, AccountAccess


def holder_accesses(user) -> list[AccountAccess]:
    """The accounts this login holds: the ones it may set automatic payment up for."""
    return list(
        AccountAccess.objects.filter(user=user, role=AccessRole.HOLDER)
        .select_related("account__premises")
        .order_by("account__number")
    )


def mandates_for_accounts(account_ids) -> dict[int, Mandate]:
    """Each account's live mandate, with its card and last attempts (three queries)."""
    attempts = Attempt.objects.select_related("invoice").order_by("-created", "-id")
    mandates = (
        Mandate.objects.filter(account_id__in=list(account_ids), status__in=LIVE)
        .select_related("method", "account")
        .prefetch_related(Prefetch("attempts", queryset=attempts))
    )
    return {m.account_id: m for m in mandates}


def stopped_mandates(account_ids, limit: int = 10) -> list[Mandate]:
    return list(
        Mandate.objects.filter(account_id__in=list(account_ids), status="stopped")
        .select_related("method", "account")
        .order_by("-stopped")[:limit]
    )


def saved_methods(user, provider: str) -> list[SavedMethod]:
    return list(SavedMethod.objects.filter(user=user, provider=provider))
