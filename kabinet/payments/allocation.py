"""Allocation of payments to what an account owes (pure, Django-free).

Debits (invoices, opening debt, penalties, positive corrections) are covered by credits
(payments, negative corrections) strictly in order: every credit, in date order, pays
the oldest debit still open, whatever invoice the payer named. The debit's order is
the caller's to choose (the selectors put principal before penalties, as the penalty
rule does); what no debit takes is the customer's credit (an overpayment) and pays the
next invoice when it comes.

Oldest first is the rule the penalty engine (billing.penalties) charges by: the debt
that is overdue here is the debt a penalty is charged on. A payment that names an
invoice keeps the name (Payment.invoice, for the record and the receipt's purpose), but
does not jump the queue: an invoice's "amount due" already includes the older debt, so
paying it pays the older debt first.
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


@dataclass
class Allocation:
    covered: dict[Hashable, Decimal] = field(default_factory=dict)  # debit key -> covered
    links: list[tuple[Hashable, Hashable, Decimal]] = field(default_factory=list)  # (credit, debit, amount)
    unapplied: Decimal = ZERO  # credit left over


def allocate(debits: list[Debit], credits: list[Credit]) -> Allocation:
    debits = sorted(debits, key=lambda d: d.order)
    credits = sorted(credits, key=lambda c: c.order)
    result = Allocation(covered={d.key: ZERO for d in debits})
    unapplied = ZERO
    position = 0  # every debit before it is covered in full
    left = debits[0].amount if debits else ZERO  # what the debit at `position` still asks
    for credit in credits:
        amount = credit.amount
        while amount > 0 and position < len(debits):
            if left <= 0:
                position += 1
                left = debits[position].amount if position < len(debits) else ZERO
                continue
            part = min(amount, left)
            key = debits[position].key
            result.covered[key] += part
            result.links.append((credit.key, key, part))
            amount -= part
            left -= part
        unapplied += amount
    result.unapplied = unapplied
    return result
