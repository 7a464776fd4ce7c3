"""Late-payment penalties as policies, computed day by day over the billed period.

The unpaid principal on a day is the sum of the account's ledger entries other than
penalties (payments settle principal first, so no penalty is ever charged on a penalty),
and it is made of the newest charges (payments settle the oldest first). Each charge
that is overdue on that day adds its daily penalty:

* ru155 (Housing Code art. 155 p.14): nothing for the first `grace_days` (30) days after
  the due date, then 1/300 of the key rate in force that day until day 90, then 1/130.
* lv_daily: the contract's daily percentage after `grace_days`, never more in total per
  charge than `cap_percent` of it (Civil Law s.1716).

Django-free: the run loads the entries and rates, this module only computes.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from kabinet.lib.money import CENT

ZERO = Decimal("0")
RU_SECOND_STAGE_AFTER = 90  # days after the due date
RU_FIRST_DIVISOR = Decimal(300)
RU_SECOND_DIVISOR = Decimal(130)

RU155 = "ru155"
LV_DAILY = "lv_daily"


@dataclass(slots=True)
class DebtItem:
    """A charge (an invoice's principal, an opening balance) that can become overdue."""

    key: int  # the ledger entry id
    label: str  # invoice number or date, for the line
    amount: Decimal
    posted_on: dt.date
    due_on: dt.date
    penalised: Decimal = ZERO  # penalties already charged on it (for the cap)


@dataclass(slots=True)
class PenaltyPolicy:
    code: str
    grace_days: int = 30
    daily_percent: Decimal = Decimal("0.05")
    cap_percent: Decimal = Decimal("10")
    key_rates: list[tuple[dt.date, Decimal]] = field(default_factory=list)  # (valid_from, % a year)
    starts: list[dt.date] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self):
        self.key_rates = sorted(self.key_rates)
        self.starts = [d for d, _ in self.key_rates]

    def key_rate(self, day: dt.date) -> Decimal | None:
        at = bisect.bisect_right(self.starts, day)
        return self.key_rates[at - 1][1] if at else None


@dataclass(slots=True)
class PenaltyResult:
    item: DebtItem
    amount: Decimal
    details: dict


def penalties_for(
    *,
    policy: PenaltyPolicy,
    items: list[DebtItem],
    opening: Decimal,
    movements: list[tuple[dt.date, Decimal]],
    first: dt.date,
    last: dt.date,
) -> list[PenaltyResult]:
    """Penalties accrued from `first` to `last` (inclusive).

    `opening` is the principal balance (no penalties) before `first`; `movements` are the
    principal entries (charges +, payments −) posted from `first` to `last`."""
    if policy.code not in (RU155, LV_DAILY):
        return []
    items = sorted(items, key=lambda i: (i.posted_on, i.key))
    movements = sorted(movements)
    accrued: dict[int, Decimal] = {}
    days1: dict[int, int] = {}
    days2: dict[int, int] = {}
    rates_used: dict[int, set] = {}
    balance = opening
    m = 0
    day = first
    while day <= last:
        while m < len(movements) and movements[m][0] <= day:
            balance += movements[m][1]
            m += 1
        left = balance
        if left > 0:
            for item in reversed(items):  # newest first
                if left <= 0:
                    break
                if item.posted_on > day:
                    continue
                unpaid = min(item.amount, left)
                left -= unpaid
                overdue = (day - item.due_on).days
                if overdue <= policy.grace_days:
                    continue
                if policy.code == RU155:
                    rate = policy.key_rate(day)
                    if rate is None:
                        continue
                    if overdue <= RU_SECOND_STAGE_AFTER:
                        daily = unpaid * rate / 100 / RU_FIRST_DIVISOR
                        days1[item.key] = days1.get(item.key, 0) + 1
                    else:
                        daily = unpaid * rate / 100 / RU_SECOND_DIVISOR
                        days2[item.key] = days2.get(item.key, 0) + 1
                    rates_used.setdefault(item.key, set()).add(str(rate))
                else:
                    daily = unpaid * policy.daily_percent / 100
                    days1[item.key] = days1.get(item.key, 0) + 1
                accrued[item.key] = accrued.get(item.key, ZERO) + daily
        day += dt.timedelta(days=1)
    results = []
    by_key = {i.key: i for i in items}
    for key, raw in accrued.items():
        item = by_key[key]
        amount = raw.quantize(CENT, rounding=ROUND_HALF_UP)
        details: dict = {"item": key, "invoice": item.label, "due_on": item.due_on.isoformat()}
        if policy.code == LV_DAILY:
            cap = (item.amount * policy.cap_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            room = max(ZERO, cap - item.penalised)
            if amount >= room:
                amount = room
                details["capped"] = str(cap)
            details["days"] = days1.get(key, 0)
            details["percent"] = str(policy.daily_percent)
        else:
            details["days_300"] = days1.get(key, 0)
            details["days_130"] = days2.get(key, 0)
            details["rates"] = sorted(rates_used.get(key, ()))
        if amount > 0:
            results.append(PenaltyResult(item, amount, details))
    return results
