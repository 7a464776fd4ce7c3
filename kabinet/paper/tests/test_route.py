"""The delivery route and the bundles: pure rules, no database."""

import pytest

from kabinet.paper.rules import Recipient, bundles_plan, natural_key, pages_per_receipt, route_key


def r(invoice_id, flat, *, building=1, street="Rīgas iela", house="5", city="Daugavpils", postcode=""):
    return Recipient(invoice_id, building, city, street, house, postcode, flat)


def test_it_sorts_flats_as_numbers_with_letters_after_their_number():
    flats = ["10", "2", "1a", "11", "1", "10b", "10a", "", "B"]
    assert sorted(flats, key=natural_key) == ["", "1", "1a", "2", "10", "10a", "10b", "11", "B"]


def test_it_walks_street_by_street_and_houses_in_number_order():
    route = [
        r(1, "3", building=3, house="10"),
        r(2, "7", building=4, street="Aka iela", house="1"),
        r(3, "10", building=1),
        r(4, "2", building=1),
        r(5, "1", building=2, house="5a"),
    ]
    assert [x.invoice_id for x in sorted(route, key=route_key)] == [2, 4, 3, 5, 1]


def test_it_makes_a_bundle_per_building_with_its_first_and_last_flat():
    bundles = bundles_plan([r(1, "10"), r(2, "2"), r(3, "7", building=2, house="7", postcode="LV-5401")])
    assert [(b.number, b.address, b.first_flat, b.last_flat, b.invoice_ids) for b in bundles] == [
        (1, "Rīgas iela 5, Daugavpils", "2", "10", [2, 1]),
        (2, "Rīgas iela 7, Daugavpils, LV-5401", "7", "7", [3]),
    ]


def test_it_splits_a_large_building_into_bundles_of_the_size_in_route_order():
    bundles = bundles_plan([r(n, str(n)) for n in range(12, 0, -1)], size=5)
    assert [b.invoice_ids for b in bundles] == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12]]
    assert [(b.first_flat, b.last_flat) for b in bundles] == [("1", "5"), ("6", "10"), ("11", "12")]
    with pytest.raises(ValueError):
        bundles_plan([], size=0)


def test_it_counts_each_receipts_pages_from_where_the_next_starts():
    assert pages_per_receipt([1, 2, 4, 5], 6) == [1, 2, 1, 1]
    assert pages_per_receipt([], 1) == []


def test_a_house_number_with_a_superscript_sorts_without_failing():
    """ "²" is a digit to str.isdigit() but not a number to int(): the batch's sort key
    once failed on it."""
    assert natural_key("5²") > natural_key("5") and natural_key("10") > natural_key("9")
