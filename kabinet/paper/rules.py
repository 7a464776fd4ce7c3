"""The delivery route and the bundles: pure functions over plain values.

A postman walks building by building and, inside a building, flat by flat: the receipts
are sorted the same way. Numbers inside house and flat numbers compare as numbers ("2"
before "10", "10" before "10a" before "11"), the rest of the text case-insensitively.
Premises carry no entrance (customers.Premises has building and apartment only); as the
flats of an entrance are numbered in a row, the natural flat order walks the entrances in
order too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

_NUMBERS = re.compile(r"(\d+)")

# The receipts of one PDF; a larger building is split into bundles of this size.
BUNDLE_SIZE = 200


def natural_key(text: str) -> tuple:
    """Sort key comparing digit runs as numbers: "2" < "10" < "10a" < "10b" < "11"."""
    parts = _NUMBERS.split((text or "").strip().casefold())
    return tuple((0, int(part), "") if part.isdecimal() else (1, 0, part) for part in parts if part)


@dataclass(frozen=True)
class Recipient:
    """One receipt to print, as the planning query reads it."""

    invoice_id: int
    building_id: int
    city: str
    street: str
    house: str
    postcode: str
    flat: str


def route_key(r: Recipient) -> tuple:
    return (
        r.city.casefold(),
        r.street.casefold(),
        natural_key(r.house),
        r.building_id,
        natural_key(r.flat),
        r.invoice_id,
    )


def building_address(r: Recipient) -> str:
    address = f"{r.street} {r.house}, {r.city}"
    return f"{address}, {r.postcode}" if r.postcode else address


@dataclass
class PlannedBundle:
    number: int
    building_id: int
    address: str
    first_flat: str
    last_flat: str
    invoice_ids: list[int] = field(default_factory=list)


def bundles_plan(recipients: list[Recipient], size: int = BUNDLE_SIZE) -> list[PlannedBundle]:
    """The route cut into bundles: a building per bundle, a large one in parts of at most
    `size` receipts (the last part the smallest)."""
    if size < 1:
        raise ValueError("size must be positive")
    bundles: list[PlannedBundle] = []
    ordered = sorted(recipients, key=route_key)
    for _building, group in groupby(ordered, key=lambda r: r.building_id):
        rows = list(group)
        for at in range(0, len(rows), size):
            part = rows[at : at + size]
            bundles.append(
                PlannedBundle(
                    number=len(bundles) + 1,
                    building_id=part[0].building_id,
                    address=building_address(part[0]),
                    first_flat=part[0].flat,
                    last_flat=part[-1].flat,
                    invoice_ids=[r.invoice_id for r in part],
                )
            )
    return bundles


def pages_per_receipt(starts: list[int], total_pages: int) -> list[int]:
    """Pages of each receipt from the page index where each starts, in order."""
    if not starts:
        return []
    ends = [*starts[1:], total_pages]
    return [end - start for start, end in zip(starts, ends, strict=True)]


def money_text(amount: Decimal) -> str:
    """An amount for the manifest: plain, two places, a point (for spreadsheets)."""
    return f"{amount.quantize(Decimal('0.01')):f}"
