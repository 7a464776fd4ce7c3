from decimal import Decimal

from django.db.models import Sum

from kabinet.billing.models import LedgerEntry
from kabinet.billing.selectors import account_balances
from kabinet.customers.models import Account
from kabinet.payments.selectors import account_allocations, account_statement


def assert_balances_agree() -> None:
    ids = list(Account.objects.values_list("id", flat=True))
    if not ids:
        return
    sums = dict(LedgerEntry.objects.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s"))
    shown = account_balances(ids)
    allocations = account_allocations(ids)
    for account_id in ids:
        ledger = sums.get(account_id) or Decimal("0.00")
        assert shown[account_id] == ledger, f"account {account_id}: shown {shown[account_id]} != ledger {ledger}"
        statement = account_statement(account_id, limit=1)
        last = statement[-1]["balance"] if statement else Decimal("0.00")
        assert last == ledger, f"account {account_id}: statement ends at {last}, ledger {ledger}"
        assert allocations[account_id].balance == ledger, (
            f"account {account_id}: allocation leaves {allocations[account_id].balance}, ledger {ledger}"
        )
