"""Debtors with ageing and penalties: what each account still owes at the end of a
month, by how late it is.

What is owed is payments.selectors.account_dues()'s answer, computed set-based: credits
(payments, credit corrections) cover debits oldest first, principal before penalties
(payments.allocation). Covering in order means that, per account, the credits fill the
debits' running total: with C the account's credits and S the running total of its
debits up to and including a debit of amount A (in the allocation's order), the part of
that debit still open is min(A, max(0, S − C)). That is a window function over the
ledger of the accounts that owe anything, so 100,000 accounts are one query, not
100,000 allocations in Python; the tests check it against account_dues() bucket by bucket.

A debit's due date is its invoice's, or the day it was posted for one that is no
invoice's (an opening balance), as OtherDebt.due_on says. A reversed payment and its
reversal count as neither, as in account_dues(). Penalties: the open part of the
account's penalty entries (EntryKind.PENALTY), which payments cover last.

This module is the reports' one hand-written SQL (window functions over a CTE, which the
ORM cannot aggregate); it runs on PostgreSQL and SQLite alike.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import EntryKind, Invoice, LedgerEntry
from kabinet.customers.models import Account, Building, Customer, CustomerKind, Premises
from kabinet.lib.money import CENT
from kabinet.office.reports.ageing import DAYS_0_30, DAYS_31_90, NOT_DUE, bucket_dues_from
from kabinet.office.reports.columns import DATE, MONEY, TEXT, Column
from kabinet.office.reports.filters import Filters
from kabinet.payments.models import Payment, PaymentStatus

ZERO = Decimal("0.00")


@dataclass
class Debtor:
    account_id: int
    account: str
    customer: str
    address: str
    debt: Decimal
    not_due: Decimal
    d0_30: Decimal
    d31_90: Decimal
    d90_plus: Decimal
    penalties: Decimal  # of the debt
    oldest_due: dt.date | None

    @property
    def overdue(self) -> Decimal:
        return self.debt - self.not_due


def columns() -> list[Column]:
    return [
        Column("account", _("Account"), TEXT),
        Column("customer", _("Customer"), TEXT),
        Column("address", _("Address"), TEXT),
        Column("debt", _("Debt"), MONEY),
        Column("not_due", _("Not due yet"), MONEY),
        Column("d0_30", _("0–30 days"), MONEY),
        Column("d31_90", _("31–90 days"), MONEY),
        Column("d90_plus", _("Over 90 days"), MONEY),
        Column("penalties", _("Of which penalties"), MONEY),
        Column("oldest_due", _("Oldest due date"), DATE),
    ]


def _sql(filters: Filters) -> tuple[str, list]:
    t = {
        "entry": LedgerEntry._meta.db_table,
        "invoice": Invoice._meta.db_table,
        "payment": Payment._meta.db_table,
        "account": Account._meta.db_table,
        "premises": Premises._meta.db_table,
        "building": Building._meta.db_table,
        "customer": Customer._meta.db_table,
    }
    where, scope, joins = ["le.posted_on <= %s"], [filters.as_of], ""
    if filters.building is not None or filters.street:
        joins = f"""
            JOIN {t["account"]} a ON a.id = le.account_id
            JOIN {t["premises"]} p ON p.id = a.premises_id
            JOIN {t["building"]} b ON b.id = p.building_id"""
    if filters.building is not None:
        where.append("p.building_id = %s")
        scope.append(filters.building.pk)
    if filters.street:
        where.append("b.street = %s")
        scope.append(filters.street)
    reversed_, penalty = PaymentStatus.REVERSED, EntryKind.PENALTY
    # The entries that count: up to the day, in the filters' buildings, without reversed
    # payments and their reversals (few: a hashed NOT IN, not two joins over every payment).
    entries = f"""
        SELECT le.id, le.account_id, le.kind, le.posted_on, le.invoice_id,
               le.amount
        FROM {t["entry"]} le{joins}
        WHERE {" AND ".join(where)}
          AND le.id NOT IN (
              SELECT ledger_entry_id FROM {t["payment"]}
              WHERE status = '{reversed_}' AND ledger_entry_id IS NOT NULL
              UNION ALL
              SELECT reversal_entry_id FROM {t["payment"]}
              WHERE status = '{reversed_}' AND reversal_entry_id IS NOT NULL
          )"""
    # 1. Per account, in one pass without sorting: its credits and its principal debits;
    #    only an account whose debits exceed its credits has anything open.
    # 2. Only those accounts' debits are sorted, by date: principal debits are covered by
    #    the credits in that order, penalties by what the principal left of them
    #    (max(0, credits - principal)) in theirs, which is the allocation's order
    #    (principal first, then penalties, each oldest first) without sorting by kind.
    sql = f"""
    WITH owing AS (
        SELECT account_id,
               SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS credits,
               SUM(CASE WHEN amount > 0 AND kind <> '{penalty}' THEN amount ELSE 0 END) AS principal
        FROM ({entries}) e0
        GROUP BY account_id
        HAVING SUM(amount) > 0
    ), w AS (
        SELECT e.account_id, e.kind, e.amount, COALESCE(inv.due_on, e.posted_on) AS due_on,
               o.credits, o.principal,
               SUM(CASE WHEN e.kind = '{penalty}' THEN 0 ELSE e.amount END) OVER running AS run_principal,
               SUM(CASE WHEN e.kind = '{penalty}' THEN e.amount ELSE 0 END) OVER running AS run_penalty
        FROM ({entries}) e
        JOIN owing o ON o.account_id = e.account_id
        LEFT JOIN {t["invoice"]} inv ON inv.id = e.invoice_id
        WHERE e.amount > 0
        WINDOW running AS (
            PARTITION BY e.account_id ORDER BY e.posted_on, e.id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        )
    ), r AS (
        SELECT account_id, kind, due_on, amount,
               CASE WHEN kind = '{penalty}'
                    THEN run_penalty - CASE WHEN credits > principal THEN credits - principal ELSE 0 END
                    ELSE run_principal - credits END AS uncovered
        FROM w
    ), o AS (
        SELECT account_id, kind, due_on,
               CASE WHEN uncovered <= 0 THEN 0 WHEN uncovered >= amount THEN amount ELSE uncovered END AS open_part
        FROM r
    ), d AS (
        SELECT account_id,
               SUM(open_part) AS debt,
               SUM(CASE WHEN due_on >= %s THEN open_part ELSE 0 END) AS not_due,
               SUM(CASE WHEN due_on < %s AND due_on >= %s THEN open_part ELSE 0 END) AS d0_30,
               SUM(CASE WHEN due_on < %s AND due_on >= %s THEN open_part ELSE 0 END) AS d31_90,
               SUM(CASE WHEN due_on < %s THEN open_part ELSE 0 END) AS d90_plus,
               SUM(CASE WHEN kind = '{penalty}' THEN open_part ELSE 0 END) AS penalties,
               MIN(CASE WHEN open_part > 0 THEN due_on END) AS oldest_due
        FROM o GROUP BY account_id
    )
    SELECT d.account_id, a.number, c.kind, c.first_name, c.last_name, c.organisation_name,
           b.street, b.house, p.apartment, b.city,
           d.debt, d.not_due, d.d0_30, d.d31_90, d.d90_plus, d.penalties, d.oldest_due
    FROM d
    JOIN {t["account"]} a ON a.id = d.account_id
    JOIN {t["customer"]} c ON c.id = a.customer_id
    JOIN {t["premises"]} p ON p.id = a.premises_id
    JOIN {t["building"]} b ON b.id = p.building_id
    WHERE d.debt - d.not_due > 0
    ORDER BY d.debt DESC, a.number
    """
    edges = bucket_dues_from(filters.as_of)
    not_due, d0_30, d31_90 = edges[NOT_DUE], edges[DAYS_0_30], edges[DAYS_31_90]
    return sql, [*scope, *scope, not_due, not_due, d0_30, d0_30, d31_90, d31_90]


def _money(value) -> Decimal:
    # SQLite sums decimals as floats: back to cents (exact on PostgreSQL's numeric).
    return Decimal(str(value or 0)).quantize(CENT)


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])  # SQLite answers MIN() over dates with text


def rows(filters: Filters) -> list[Debtor]:
    """Every account with something overdue at filters.as_of (what is owed but not due
    yet is shown beside it, but alone makes no debtor), the largest debt first (one query)."""
    sql, params = _sql(filters)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The window sorts every ledger entry by account: in memory, not in temporary
            # files (4 MB, the default, spills at about 50,000 entries). For this query only.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        found = cursor.fetchall()
    out = []
    for (
        account_id,
        number,
        kind,
        first,
        last,
        organisation,
        street,
        house,
        apartment,
        city,
        *money,
        oldest,
    ) in found:
        name = organisation if kind == CustomerKind.ORGANISATION else f"{first} {last}".strip()
        flat = f"-{apartment}" if apartment else ""
        debt, not_due, d0_30, d31_90, d90_plus, penalties = (_money(v) for v in money)
        out.append(
            Debtor(
                account_id,
                number,
                name,
                f"{street} {house}{flat}, {city}",  # Premises.address
                debt,
                not_due,
                d0_30,
                d31_90,
                d90_plus,
                penalties,
                _date(oldest),
            )
        )
    return out


def totals(found: list[Debtor]) -> Debtor:
    def total(key: str) -> Decimal:
        return sum((getattr(d, key) for d in found), ZERO)

    oldest = min((d.oldest_due for d in found if d.oldest_due), default=None)
    keys = ("debt", "not_due", "d0_30", "d31_90", "d90_plus", "penalties")
    return Debtor(0, "", "", "", *(total(k) for k in keys), oldest)
