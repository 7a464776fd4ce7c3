"""Allocation of payments to what an account owes (pure, Django-free).

Debits (invoices, opening debt, penalties, positive corrections) are covered by credits
(payments, negative corrections) in date order: a credit first pays the invoice it was
made for, if any, then the oldest debit still open. What no debit takes is the
customer's credit (an overpayment) and pays the next invoice when it comes.
"""

from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass
class Debit:
    key: Hashable
    amount: Decimal
    order: tuple


@dataclass
class Credit:
    key: Hashable
    amount: Decimal
    order: tuple
    target: Hashable | None = None


@dataclass
class Allocation:
    covered: dict[Hashable, Decimal] = field(default_factory=dict)  # debit key -> covered
    links: list[tuple[Hashable, Hashable, Decimal]] = field(default_factory=list)  # (credit, debit, amount)
    unapplied: Decimal = ZERO  # credit left over


def allocate(debits: list[Debit], credits: list[Credit]) -> Allocation:
    debits = sorted(debits, key=lambda d: d.order)
    credits = sorted(credits, key=lambda c: c.order)
    result = Allocation(covered={d.key: ZERO for d in debits})
    remaining_debit = {d.key: d.amount for d in debits}
    remaining_credit = {c.key: c.amount for c in credits}

    def apply(credit_key, debit_key):
        amount = min(remaining_credit[credit_key], remaining_debit[debit_key])
        if amount <= 0:
            return
        remaining_credit[credit_key] -= amount
        remaining_debit[debit_key] -= amount
        result.covered[debit_key] += amount
        result.links.append((credit_key, debit_key, amount))

    for credit in credits:  # pass 1: a payment made for one invoice pays it first
        if credit.target is not None and credit.target in remaining_debit:
            apply(credit.key, credit.target)
    position = 0
    for credit in credits:  # pass 2: the rest, oldest open debit first
        while remaining_credit[credit.key] > 0 and position < len(debits):
            debit_key = debits[position].key
            if remaining_debit[debit_key] <= 0:
                position += 1
                continue
            apply(credit.key, debit_key)
        if position >= len(debits):
            # Nothing left to pay now: skip ahead, later credits stay unapplied too.
            pass
    # A targeted invoice covered in pass 1 may sit before `position`; nothing else can.
    result.unapplied = sum(remaining_credit.values(), ZERO)
    return result
