"""Late-payment penalties as policies: accrued per debt continuously, rounded once.

The unpaid principal on a day is the sum of the account's ledger entries other than
penalties (payments settle principal first, so no penalty is ever charged on a penalty),
and it is made of the newest charges (payments settle the oldest first). Each charge
that is overdue on that day adds its daily penalty:

* ru155 (Housing Code of the RF art. 155 p.14): nothing for the first `grace_days` (30)
  days after the due date, then 1/300 of the key rate in force that day until day 90,
  then 1/130 from day 91.
* lv_daily: the contract's daily percentage after `grace_days`, never more in total per
  charge than `cap_percent` of it (Civil Law s.1716).

Continuous accrual, rounded once. The penalty of a charge is computed from its first
day of delay to the end of the billed period, exactly (rational arithmetic, rounded to
the cent once, ROUND_HALF_UP); each invoice charges that rounded total minus what earlier
invoices already charged for the same charge. The running sum of a charge's penalty
lines is therefore always the continuous figure rounded once: rounding month by month
would drift by a kopeck every few months (DOMAIN.md, "Accrue per debt continuously").

Django-free: the run loads the entries and rates, this module decides and computes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import NamedTuple

from kabinet.lib.money import CENT

ZERO = Decimal("0")
ONE_DAY = dt.timedelta(days=1)
RU_SECOND_STAGE_AFTER = 90  # days after the due date
RU_FIRST_DIVISOR = 300
RU_SECOND_DIVISOR = 130

RU155 = "ru155"
LV_DAILY = "lv_daily"
POLICIES = (RU155, LV_DAILY)

# ЖК РФ ст.155 ч.14: penalties accrue "по день фактической оплаты, произведенной в полном
# объеме, включительно" — through the day of payment inclusive (also Постановление Пленума
# ВС РФ от 24.03.2016 №7 п.65: "по день фактического исполнения обязательства"). The debt
# is owed on the day it is paid, so a payment lowers the penalty base from the next day.
LAWFUL_PAYMENT_LAG_DAYS = 1


@dataclass(slots=True)
class DebtItem:
    """A charge (an invoice's principal, an opening balance) that can become overdue."""

    key: int  # the ledger entry id
    label: str  # invoice number or date, for the line
    amount: Decimal
    posted_on: dt.date
    due_on: dt.date
    charged: Decimal = ZERO  # penalties earlier invoices already charged for it


class Movement(NamedTuple):
    """A principal ledger entry: + a charge, − a payment or a credit."""

    posted_on: dt.date
    amount: Decimal
    payment: bool = False  # a payment lowers the base only from policy.payment_lag_days later


@dataclass(slots=True)
class PenaltyPolicy:
    code: str
    grace_days: int = 30
    daily_percent: Decimal = Decimal("0.05")
    cap_percent: Decimal = Decimal("10")
    key_rates: list[tuple[dt.date, Decimal]] = field(default_factory=list)  # (valid_from, % a year)
    # The day a payment lowers the base: this many days after the day it is paid.
    payment_lag_days: int = LAWFUL_PAYMENT_LAG_DAYS
    starts: list[dt.date] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self):
        self.key_rates = sorted(self.key_rates)
        self.starts = [d for d, _ in self.key_rates]

    def key_rate(self, day: dt.date) -> Decimal | None:
        at = bisect.bisect_right(self.starts, day)
        return self.key_rates[at - 1][1] if at else None

    def accrual_start(self, due_on: dt.date) -> dt.date:
        """The first day a charge due on `due_on` earns a penalty: the day after the due
        date and the grace days, whatever the billing calendar."""
        return due_on + dt.timedelta(days=self.grace_days + 1)

    def base_lowered_on(self, movement: Movement) -> dt.date:
        """The day an entry starts counting in the penalty base: a charge from its own
        day, a payment `payment_lag_days` later (the lawful default: the next day)."""
        if movement.payment and movement.amount < 0:
            return movement.posted_on + dt.timedelta(days=self.payment_lag_days)
        return movement.posted_on


@dataclass(slots=True)
class PenaltyResult:
    item: DebtItem
    amount: Decimal
    details: dict


def penalty_debtors(
    policy: PenaltyPolicy | None,
    *,
    first: dt.date,
    last: dt.date,
    principal: dict[int, tuple[Decimal, Decimal, dt.date | None]],
    earliest_due: dict[int, dt.date],
) -> list[int]:
    """The accounts that can owe a penalty for a day from `first` to `last`: the run
    computes penalties for these accounts only (a necessary condition, cheap to load).

    `principal` maps an account to (principal posted before `first`, principal posted up
    to `last`, the day of the latest payment or credit up to `last`); `earliest_due` to
    the earliest due date of the charges posted from `first` to `last`.

    A charge earns a penalty on a day only if it is unpaid that day and past its accrual
    start. Charges posted before the period are unpaid in it only if the account owed
    principal when it began (or a payment made before it lowers the base only inside it).
    A charge posted in the period whose delay begins by `last` is unpaid on a day of
    delay only if the account still owes at the end of the period or a payment lowered
    the base after that day: the customer who owed nothing on the 1st still pays for the
    late days of the month, whatever the billing calendar.

    One call per chunk (a loop here, not a call per account: it runs for every account
    with a ledger entry, a million a month)."""
    if policy is None or policy.code not in POLICIES:
        return []
    lag = policy.payment_lag_days
    # A payment posted after this day lowers the base only inside the period (lag > 1).
    paid_before_counts_from = first - dt.timedelta(days=lag) if lag > 1 else None
    # A charge due on d is late from d + grace + 1 (accrual_start): by `last` if d <= this.
    latest_due = last - dt.timedelta(days=policy.grace_days + 1)
    # A payment posted on p lowers the base on p + lag: a late day was unpaid if
    # p + lag > d + grace + 1, i.e. p > d + (grace + 1 - lag).
    credit_after = dt.timedelta(days=policy.grace_days + 1 - lag)
    due_of = earliest_due.get
    debtors = []
    for aid, (opening, closing, last_credit) in principal.items():
        if opening > 0:
            debtors.append(aid)
        elif paid_before_counts_from is not None and last_credit is not None and last_credit > paid_before_counts_from:
            debtors.append(aid)
        else:
            due = due_of(aid)
            if due is not None and due <= latest_due:
                if closing > 0 or (last_credit is not None and last_credit > due + credit_after):
                    debtors.append(aid)
    return debtors


def credits_matter_after(policy: PenaltyPolicy, *, first: dt.date, earliest_due: dt.date | None = None) -> dt.date:
    """penalty_debtors() looks at the latest payment or credit only when it falls after
    this day, for an account whose charges of the period are due on or after
    `earliest_due` (at the latest `first`): the run reads credits from this day on, not
    the account's whole history (an older credit answers as no credit at all)."""
    due = min(first, earliest_due) if earliest_due is not None else first
    lag = policy.payment_lag_days
    day = due + dt.timedelta(days=policy.grace_days + 1 - lag)  # penalty_debtors' credit_after
    if lag > 1:
        day = min(day, first - dt.timedelta(days=lag))  # its paid_before_counts_from
    return day


def penalty_may_accrue(
    policy: PenaltyPolicy | None,
    *,
    first: dt.date,
    last: dt.date,
    opening: Decimal,
    closing: Decimal,
    earliest_due: dt.date | None,
    last_credit: dt.date | None,
) -> bool:
    """penalty_debtors() for one account."""
    dues = {0: earliest_due} if earliest_due is not None else {}
    return bool(
        penalty_debtors(
            policy, first=first, last=last, principal={0: (opening, closing, last_credit)}, earliest_due=dues
        )
    )


def _cents(value: Fraction) -> Decimal:
    """An exact non-negative amount rounded once to the cent, ROUND_HALF_UP."""
    return Decimal(math.floor(value * 100 + Fraction(1, 2))).scaleb(-2).quantize(CENT)


@dataclass(slots=True)
class _Accrual:
    # Exact sums of unpaid × rate × days per stage (RU: 1/300 and 1/130; LV: the first).
    stage1: Decimal = ZERO
    stage2: Decimal = ZERO
    days1: int = 0  # days of the billed period, per stage
    days2: int = 0
    rates: set = field(default_factory=set)


def penalties_for(
    *,
    policy: PenaltyPolicy,
    items: list[DebtItem],
    movements: list[Movement],
    first: dt.date,
    last: dt.date,
) -> list[PenaltyResult]:
    """The penalty lines of the invoice for the period `first`..`last`.

    `items` are the account's charges posted up to `last`, each with what earlier
    invoices charged for it; `movements` are all its principal entries up to `last`
    (charges +, payments and credits −). For every charge overdue on a day of the
    period: the penalty accrued from its first day of delay through `last`, rounded
    once, minus what was already charged (capped for lv_daily)."""
    if policy.code not in POLICIES or not items:
        return []
    items = sorted(items, key=lambda i: (i.posted_on, i.key))
    newest_first = items[::-1]
    effective = sorted((policy.base_lowered_on(m), m.amount) for m in movements)
    ru = policy.code == RU155
    second_stage = dt.timedelta(days=RU_SECOND_STAGE_AFTER + 1)
    end = last + ONE_DAY

    # The days at which something changes: a balance, an item's stage, the key rate, the
    # period's first day (to count the period's days). Between two of them every daily
    # penalty is the same, so a stretch of n days adds n × the daily amount, exactly.
    starts = {i.key: policy.accrual_start(i.due_on) for i in items}
    walk_from = min(starts.values())
    if walk_from > last:
        return []
    bounds = {walk_from, first, end}
    bounds.update(i.posted_on for i in items)
    bounds.update(starts.values())
    if ru:
        bounds.update(i.due_on + second_stage for i in items)
        bounds.update(policy.starts)
    bounds.update(day for day, _ in effective)
    bounds = sorted(b for b in bounds if walk_from <= b <= end)

    accrued: dict[int, _Accrual] = {}
    balance = ZERO
    m = 0
    for day, following in zip(bounds, bounds[1:], strict=False):
        while m < len(effective) and effective[m][0] <= day:
            balance += effective[m][1]
            m += 1
        if balance <= 0:
            continue
        days = (following - day).days
        in_period = day >= first
        rate = policy.key_rate(day) if ru else policy.daily_percent
        if rate is None:
            continue
        left = balance
        for item in newest_first:
            if left <= 0:
                break
            if item.posted_on > day:
                continue
            unpaid = min(item.amount, left)
            left -= unpaid
            if day < starts[item.key]:
                continue
            acc = accrued.get(item.key)
            if acc is None:
                acc = accrued[item.key] = _Accrual()
            if ru and day >= item.due_on + second_stage:
                acc.stage2 += unpaid * rate * days
                if in_period:
                    acc.days2 += days
            else:
                acc.stage1 += unpaid * rate * days
                if in_period:
                    acc.days1 += days
            if in_period and ru:
                acc.rates.add(str(rate))

    results = []
    for item in items:
        acc = accrued.get(item.key)
        if acc is None or not (acc.days1 or acc.days2):
            continue  # nothing accrued in the period: earlier invoices charged it all
        details: dict = {"item": item.key, "invoice": item.label, "due_on": item.due_on.isoformat()}
        if ru:
            exact = Fraction(acc.stage1) / (100 * RU_FIRST_DIVISOR) + Fraction(acc.stage2) / (100 * RU_SECOND_DIVISOR)
            total = _cents(exact)
            details["days_300"] = acc.days1
            details["days_130"] = acc.days2
            details["rates"] = sorted(acc.rates)
        else:
            total = _cents(Fraction(acc.stage1) / 100)
            cap = (item.amount * policy.cap_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            if total >= cap:
                total = cap
                details["capped"] = str(cap)
            details["cap_percent"] = format(policy.cap_percent.normalize(), "f")  # "10", "7.5": for the note
            details["days"] = acc.days1
            details["percent"] = str(policy.daily_percent)
        details["accrued"] = str(total)
        details["charged_before"] = str(item.charged)
        amount = total - item.charged
        if amount:
            results.append(PenaltyResult(item, amount, details))
    return results
