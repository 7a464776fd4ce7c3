"""The bar chart's geometry (a pure function: no database, no template)."""

from decimal import Decimal

from kabinet.lib.charts import bar_chart

D = Decimal


def test_it_scales_the_bars_to_the_longest():
    chart = bar_chart([("10.2026", D("5")), ("11.2026", D("10"))], row=20, bar=10, left=20, span=50)

    first, second = chart["bars"]
    assert (first.y, first.middle, first.length, first.end) == (5, 10, 50.0, 45.0)
    assert (second.y, second.middle, second.length, second.end) == (25, 30, 100.0, 70.0)
    assert chart["height"] == 40 and chart["max"] == D("10")


def test_it_leaves_a_point_without_a_value_without_a_bar():
    chart = bar_chart([("09.2026", None), ("10.2026", D("2.5"))])

    missing, present = chart["bars"]
    assert missing.value is None and missing.length == 0.0 and missing.end == chart["left"]
    assert present.length == 100.0


def test_it_draws_nothing_without_points_and_no_bar_for_nothing_used():
    assert bar_chart([])["bars"] == []
    assert [b.length for b in bar_chart([("10.2026", D("0")), ("11.2026", None)])["bars"]] == [0.0, 0.0]
