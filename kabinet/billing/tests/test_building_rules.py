"""The building meter difference rules, without a database (kabinet.billing.building_rules)."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from kabinet.billing.building_rules import (
    NO_READINGS,
    NO_VALID_METER,
    Apartment,
    distribute_mk524,
    distribute_odn,
    largest_remainder,
)

D = Decimal


def test_it_gives_mk524_difference_first_to_the_apartment_without_readings():
    flats = [Apartment(1, D("40")), Apartment(2, D("50")), Apartment(3, D("60"), stage_one=NO_READINGS)]
    assert distribute_mk524(D("15"), flats, places=1) == {3: D("15.0")}


def test_it_splits_stage_one_among_its_apartments_the_profile_way():
    flats = [
        Apartment(1, D("40"), stage_one=NO_VALID_METER),
        Apartment(2, D("50")),
        Apartment(3, D("60"), stage_one=NO_READINGS),
    ]
    # by area among the two stage-I flats: 10 × 40/100 = 4, 10 × 60/100 = 6
    assert distribute_mk524(D("10"), flats, split="area", places=1) == {1: D("4.0"), 3: D("6.0")}


def test_it_splits_mk524_stage_two_equally_with_the_remainder_to_the_first():
    flats = [Apartment(1), Apartment(2), Apartment(3)]
    # 10 / 3 = 3.333… → 3.3 each, 0.1 left for the first of the equal remainders
    assert distribute_mk524(D("10"), flats, places=1) == {1: D("3.4"), 2: D("3.3"), 3: D("3.3")}


def test_it_splits_mk524_stage_two_by_area_or_residents():
    flats = [Apartment(1, D("40"), 1), Apartment(2, D("50"), 1), Apartment(3, D("60"), 3)]
    assert distribute_mk524(D("15"), flats, split="area", places=1) == {1: D("4.0"), 2: D("5.0"), 3: D("6.0")}
    assert distribute_mk524(D("15"), flats, split="residents", places=1) == {1: D("3.0"), 2: D("3.0"), 3: D("9.0")}


def test_a_negative_or_zero_difference_is_not_distributed():
    flats = [Apartment(1, D("40"), stage_one=NO_READINGS), Apartment(2, D("60"))]
    assert distribute_mk524(D("-3.5"), flats) == {}
    assert distribute_mk524(D("0"), flats) == {}
    assert distribute_odn(D("-3.5"), flats, cap_per_m2=D("0.03"), common_area=D("500")) == {}


def test_it_splits_odn_by_area_capped_by_the_norm():
    flats = [Apartment(1, D("30")), Apartment(2, D("50")), Apartment(3, D("120"))]
    # cap 0.03 × 500 = 15 < 25; 15 × 30/200 = 2.25, × 50/200 = 3.75, × 120/200 = 9
    # integers: 2, 3, 9 = 14, the unit left goes to the largest remainder (0.75): 2, 4, 9
    shares = distribute_odn(D("25"), flats, cap_per_m2=D("0.03"), common_area=D("500"), places=0)
    assert shares == {1: D("2"), 2: D("4"), 3: D("9")}


def test_odn_without_a_norm_is_not_capped():
    flats = [Apartment(1, D("50")), Apartment(2, D("150"))]
    assert distribute_odn(D("8"), flats, places=0) == {1: D("2"), 2: D("6")}


def test_largest_remainder_with_no_weights_splits_equally():
    assert largest_remainder(D("1.0"), {1: D("0"), 2: D("0")}, 1) == {1: D("0.5"), 2: D("0.5")}


volumes = st.decimals(min_value=D("-50"), max_value=D("5000"), places=3)
areas = st.decimals(min_value=D("0"), max_value=D("300"), places=2)
flat_lists = st.lists(
    st.tuples(areas, st.integers(0, 8), st.sampled_from(["", NO_READINGS, NO_VALID_METER])), min_size=1, max_size=30
)


def _flats(rows):
    return [Apartment(n, area, residents, stage) for n, (area, residents, stage) in enumerate(rows)]


@given(volumes, flat_lists, st.sampled_from(["equal", "area", "residents"]), st.integers(0, 3))
def test_mk524_parts_sum_exactly_and_none_is_negative(difference, rows, split, places):
    flats = _flats(rows)
    shares = distribute_mk524(difference, flats, split=split, places=places)
    expected = max(difference.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP), D(0))
    assert sum(shares.values(), D(0)) == expected
    assert all(v > 0 and v == v.quantize(D(1).scaleb(-places)) for v in shares.values())
    if any(f.stage_one for f in flats):
        assert all(flats[pid].stage_one for pid in shares)


@given(volumes, flat_lists, st.decimals(min_value=D("0"), max_value=D("0.1"), places=4), areas, st.integers(0, 3))
def test_odn_parts_sum_exactly_within_the_cap(difference, rows, norm, common, places):
    shares = distribute_odn(difference, _flats(rows), cap_per_m2=norm, common_area=common, places=places)
    total = sum(shares.values(), D(0))
    assert all(v > 0 for v in shares.values())
    assert total <= norm * common
    rounded = difference.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)
    assert total == max(min(rounded, (norm * common).quantize(D(1).scaleb(-places), rounding=ROUND_DOWN)), D(0))
