"""Server-rendered SVG bar charts: geometry only, the template draws it (no JavaScript).

The chart is a horizontal bar per point, one row each, drawn in an SVG without a viewBox: its
coordinates are CSS pixels, so the labels keep their CSS size at any width (a scaled chart's
10-unit labels shrank to 5 px on a phone). Only the bars stretch with the width: they are
drawn in a nested SVG whose viewBox is 100 units wide, so a bar's length is a percentage.
Across the width: the point's label, its bar, then its value just after the bar's end.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass
class Bar:
    y: float  # the bar's top, px
    middle: float  # the row's middle, px: where its labels sit
    length: float  # percent of the longest bar, 0–100
    end: float  # where the bar ends, percent of the chart's width
    label: str
    value: Decimal | None  # None: no figure for this point (no bar, the template says so)


def bar_chart(
    points: list[tuple[str, Decimal | None]], *, row: int = 24, bar: int = 16, left: int = 18, span: int = 58
) -> dict:
    """Bars for (label, value) points, one row of `row` px each; the bars start `left` percent
    into the chart and the longest is `span` percent long (the rest is room for the values)."""
    chart = {"row": row, "bar": bar, "left": left, "span": span}
    if not points:
        return {**chart, "bars": [], "height": 0, "max": Decimal(0)}
    top = max((v for _label, v in points if v is not None), default=Decimal(0))
    if top <= 0:
        top = Decimal(1)
    bars = []
    for i, (label, value) in enumerate(points):
        length = 0.0 if value is None else round(max(float(value), 0.0) / float(top) * 100, 1)
        bars.append(
            Bar(
                y=i * row + (row - bar) / 2,
                middle=i * row + row / 2,
                length=length,
                end=round(left + length * span / 100, 1),
                label=label,
                value=value,
            )
        )
    return {**chart, "bars": bars, "height": len(points) * row, "max": top}
