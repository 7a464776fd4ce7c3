from collections.abc import Iterable
from decimal import Decimal

from django.db.models import QuerySet, Sum

from kabinet.billing.models import Invoice, LedgerEntry
from kabinet.lib.money import money


def account_balances(account_ids: Iterable[int]) -> dict[int, Decimal]:
    """Balance per account (positive = debt, negative = credit), one query for all."""
    ids = list(account_ids)
    balances = {account_id: Decimal("0.00") for account_id in ids}
    rows = (
        LedgerEntry.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(balance=Sum("amount"))
        .values_list("account_id", "balance")
    )
    for account_id, balance in rows:
        # SQLite sums decimals as floats (1.4e-14 instead of 0): back to cents.
        balances[account_id] = money(balance)
    return balances


def account_balance(account_id: int) -> Decimal:
    return account_balances([account_id])[account_id]


def invoices_for_account(account_id: int) -> QuerySet[Invoice]:
    return Invoice.objects.filter(account_id=account_id, status="issued").order_by("-period", "-id")
