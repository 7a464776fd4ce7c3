"""The building meter's difference, as pure rules over plain values (no database).

A building with a common meter: each period the building's volume minus the apartments'
volumes (metered, or estimated as billed) is the difference, charged to the apartments
by the utility's rule (UtilityProfile.building_difference_rule):

Latvia, MK 2015-09-15 Nr. 524 (distribute_mk524): stage I, the whole difference goes
first to the apartments that sent no reading for 3 months in a row or have no valid
(installed and verified) meter; stage II, only when there is no such apartment, to all
apartments, equally, by residents or by area as the owners decided. The regulation's
other stage-I cases (a meter installed against the rules, refused inspection, a broken
seal) are not recorded in Kabinet's data yet. DOMAIN.md names no cap for stage I, so
the plainest reading is taken: stage I takes the whole difference, split among its
apartments the same way as stage II would split it. A negative difference (the
apartments' meters sum above the building's) is not distributed: the balance is flagged
for staff.

Russia, ПП 354 п.44 / ЖК РФ ст.156 (distribute_odn): the common-use volume (ОДН) is
split by area; where a norm for common use is set, at most norm × common area is
charged to residents and the excess is not. A negative difference charges nothing.

Volumes are rounded to the service's decimals so the shares sum exactly to what is
distributed (largest remainder; ties go to the earlier apartment in the list).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

ZERO = Decimal("0")

# Why an apartment took part in stage I of MK 524 (the line's reason on the receipt).
NO_READINGS = "no_readings_3_months"
NO_VALID_METER = "no_valid_meter"

SPLIT_EQUAL = "equal"
SPLIT_AREA = "area"
SPLIT_RESIDENTS = "residents"


@dataclass(frozen=True)
class Apartment:
    premises_id: int
    area: Decimal = ZERO
    residents: int = 0
    stage_one: str = ""  # MK 524 stage I reason (NO_READINGS, NO_VALID_METER), or ""


def step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def largest_remainder(total: Decimal, weights: dict[int, Decimal], places: int) -> dict[int, Decimal]:
    """`total` (already at `places`) split in proportion to `weights`, each part rounded
    down to `places`, the units left over given to the largest remainders."""
    unit = step(places)
    whole = sum(weights.values(), ZERO)
    if total <= 0 or not weights:
        return {}
    if whole <= 0:  # nothing to weigh by: equally
        weights = dict.fromkeys(weights, Decimal(1))
        whole = Decimal(len(weights))
    exact = {key: total * weight / whole for key, weight in weights.items()}
    parts = {key: value.quantize(unit, rounding=ROUND_DOWN) for key, value in exact.items()}
    left = int((total - sum(parts.values(), ZERO)) / unit)
    order = sorted(exact, key=lambda key: -(exact[key] - parts[key]))  # stable: ties keep the list order
    for key in order[:left]:
        parts[key] += unit
    return {key: part for key, part in parts.items() if part}


def _weights(apartments: list[Apartment], split: str) -> dict[int, Decimal]:
    if split == SPLIT_AREA:
        return {a.premises_id: a.area for a in apartments}
    if split == SPLIT_RESIDENTS:
        return {a.premises_id: Decimal(a.residents) for a in apartments}
    return {a.premises_id: Decimal(1) for a in apartments}


def distribute_mk524(
    difference: Decimal, apartments: list[Apartment], *, split: str = SPLIT_EQUAL, places: int = 3
) -> dict[int, Decimal]:
    """{premises id: volume} of a positive difference under MK 524 (see the module)."""
    total = difference.quantize(step(places), rounding=ROUND_HALF_UP)
    if total <= 0 or not apartments:
        return {}
    first = [a for a in apartments if a.stage_one]
    return largest_remainder(total, _weights(first or apartments, split), places)


def odn_cap(cap_per_m2: Decimal | None, common_area: Decimal | None, places: int = 3) -> Decimal | None:
    """The most the residents may be charged: norm × common area, rounded down (never
    above the law's figure); None when no norm or no common area is recorded."""
    if cap_per_m2 is None or common_area is None:
        return None
    return (cap_per_m2 * common_area).quantize(step(places), rounding=ROUND_DOWN)


def distribute_odn(
    difference: Decimal,
    apartments: list[Apartment],
    *,
    cap_per_m2: Decimal | None = None,
    common_area: Decimal | None = None,
    places: int = 3,
) -> dict[int, Decimal]:
    """{premises id: volume} of the ОДН volume by area, capped by the norm (see the module)."""
    total = difference.quantize(step(places), rounding=ROUND_HALF_UP)
    cap = odn_cap(cap_per_m2, common_area, places)
    if cap is not None:
        total = min(total, cap)
    if total <= 0 or not apartments:
        return {}
    return largest_remainder(total, _weights(apartments, SPLIT_AREA), places)
