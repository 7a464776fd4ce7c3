"""Balances without reading the history: the kept sum and the few entries after a day.

AccountBalance holds each account's ledger sum (and the sum without penalties), kept by
triggers on LedgerEntry in the statement that writes the entries (migration 0007): no
writer can bypass it, an entry dated in a closed month is added like any other, and
concurrent writers queue on the account's row. What an account owed before a day is
then that sum minus the entries dated on or after the day: a range of the (account,
posted_on) index that holds the last weeks, however many years lie before them. The
readers below ask the index once per account (`account_id = ANY(…)` on PostgreSQL, an
IN list on SQLite), never for a range of account ids, whose scan would walk every
entry of those accounts to filter their dates.

Hand-written SQL for the billing run's hot path lives here; the run reads as if these
were plain selectors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from kabinet.billing.models import AccountBalance, Invoice, LedgerEntry
from kabinet.billing.penalties import PenaltyPolicy, credits_matter_after
from kabinet.lib.money import money

T_BALANCE = AccountBalance._meta.db_table
T_LEDGER = LedgerEntry._meta.db_table
T_INVOICE = Invoice._meta.db_table
ZERO = Decimal("0.00")
BATCH = 2000  # ids per IN list on SQLite


def _amount(value) -> Decimal:
    """SQLite sums decimals as floats (1.4e-14 instead of 0): back to cents."""
    return value if isinstance(value, Decimal) else money(Decimal(repr(value)) if isinstance(value, float) else value)


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _per_accounts(cursor, sql: str, ids: list[int], params: list) -> list[tuple]:
    """Run `sql` (with `{ids}` where the account condition goes) for these accounts:
    one query on PostgreSQL, batches of IN lists on SQLite."""
    if not ids:
        return []
    if connection.vendor == "postgresql":
        cursor.execute(sql.format(ids="= ANY(%s)"), [ids, *params])
        return cursor.fetchall()
    rows = []
    for at in range(0, len(ids), BATCH):
        batch = ids[at : at + BATCH]
        cursor.execute(sql.format(ids=f"IN ({','.join(['%s'] * len(batch))})"), [*batch, *params])
        rows += cursor.fetchall()
    return rows


def balances_kept(account_ids: Iterable[int]) -> dict[int, Decimal]:
    """The whole ledger's sum per account (0.00 for an account without entries)."""
    ids = list(account_ids)
    balances = dict.fromkeys(ids, ZERO)
    for account_id, balance in AccountBalance.objects.filter(account_id__in=ids).values_list("account_id", "balance"):
        balances[account_id] = _amount(balance)
    return balances


def balances_mismatched(account_ids: Iterable[int] | None = None) -> list[tuple[int, Decimal, Decimal]]:
    """(account, kept balance, sum of its entries) wherever they differ, in balance or
    principal: empty when the triggers did their work. Reads the whole ledger: for tests
    and an operator's check, never for a page."""
    where = ""
    params: list = []
    if account_ids is not None:
        ids = list(account_ids)
        if not ids:
            return []
        where = f" WHERE a.id IN ({','.join(['%s'] * len(ids))})"
        params = ids
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, COALESCE(b.balance, 0), COALESCE(s.balance, 0), COALESCE(b.principal, 0),"
            " COALESCE(s.principal, 0) FROM customers_account a"
            f" LEFT JOIN {T_BALANCE} b ON b.account_id = a.id"
            " LEFT JOIN (SELECT account_id, SUM(amount) AS balance,"
            f"  SUM(CASE WHEN kind <> 'penalty' THEN amount ELSE 0 END) AS principal FROM {T_LEDGER}"
            "  GROUP BY account_id) s ON s.account_id = a.id" + where,
            params,
        )
        rows = cursor.fetchall()
    wrong = []
    for aid, kept, summed, kept_principal, summed_principal in rows:
        kept, summed = _amount(kept), _amount(summed)
        if kept != summed or _amount(kept_principal) != _amount(summed_principal):
            wrong.append((aid, kept, summed))
    return wrong


@dataclass(slots=True)
class Position:
    """An account's ledger as the billing run of a period needs it."""

    balance: Decimal  # every entry before the invoice day
    opening: Decimal = ZERO  # principal (entries other than penalties) before the period
    closing: Decimal = ZERO  # principal up to the period's last day
    last_credit: dt.date | None = None  # the latest payment or credit up to the last day (see below)
    earliest_due: dt.date | None = None  # of the charges posted in the period


def positions(
    cursor,
    account_ids: list[int],
    *,
    lo: int,
    hi: int,
    issued_on: dt.date,
    first: dt.date,
    last: dt.date,
    policy: PenaltyPolicy | None,
) -> dict[int, Position]:
    """Per account of lo..hi that has ledger entries: its Position (`account_ids`: the
    accounts of that range to read entries for). Without a penalty policy only the
    balance is filled. `last_credit` is exact from penalties.credits_matter_after() on;
    an older credit, which cannot change the penalty rule's answer, reads as None."""
    cursor.execute(
        f"SELECT account_id, balance, principal FROM {T_BALANCE} WHERE account_id BETWEEN %s AND %s", [lo, hi]
    )
    kept = {aid: (balance, principal) for aid, balance, principal in cursor.fetchall()}
    wanted = [aid for aid in account_ids if aid in kept]
    since = issued_on if policy is None else min(first, credits_matter_after(policy, first=first))
    tail = _per_accounts(
        cursor,
        f"SELECT le.account_id, le.posted_on, le.kind, le.amount, COALESCE(i.due_on, le.posted_on) FROM {T_LEDGER} le"
        f" LEFT JOIN {T_INVOICE} i ON i.id = le.invoice_id WHERE le.account_id {{ids}} AND le.posted_on >= %s",
        wanted,
        [since],
    )
    result: dict[int, Position] = {}
    for aid in wanted:
        balance, principal = kept[aid]
        principal = _amount(principal)
        result[aid] = Position(_amount(balance), principal, principal)
    for aid, posted_on, kind, amount, due_on in tail:
        position = result[aid]
        posted_on, amount = _date(posted_on), _amount(amount)
        if posted_on >= issued_on:
            position.balance -= amount
        if policy is None or kind == "penalty":
            continue
        if posted_on >= first:
            position.opening -= amount
        if posted_on > last:
            position.closing -= amount
        elif amount < 0:
            if position.last_credit is None or posted_on > position.last_credit:
                position.last_credit = posted_on
        elif posted_on >= first:
            due_on = _date(due_on)
            if position.earliest_due is None or due_on < position.earliest_due:
                position.earliest_due = due_on
    if policy is not None:
        # A charge of the period due before the period began (an invoice due before its
        # own date): the credits that matter for it may be older than the tail.
        early = [
            aid
            for aid, p in result.items()
            if p.earliest_due is not None
            and p.last_credit is None
            and credits_matter_after(policy, first=first, earliest_due=p.earliest_due) < since
        ]
        for aid, last_credit in _per_accounts(
            cursor,
            f"SELECT account_id, MAX(posted_on) FROM {T_LEDGER} WHERE account_id {{ids}}"
            " AND kind <> 'penalty' AND amount < 0 AND posted_on <= %s GROUP BY account_id",
            early,
            [last],
        ):
            result[aid].last_credit = _date(last_credit)
    return result
