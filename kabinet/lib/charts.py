"""Server-rendered SVG bar charts: geometry only, the template draws it (no JavaScript)."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: Decimal


def bar_chart(points: list[tuple[str, Decimal]], *, width: int = 600, height: int = 200, pad: int = 24) -> dict:
    """Bars for (label, value) points scaled into a width × height box with room for labels."""
    if not points:
        return {"bars": [], "width": width, "height": height, "max": Decimal(0)}
    top = max((v for _label, v in points), default=Decimal(0)) or Decimal(1)
    plot_h = height - 2 * pad
    slot = (width - pad) / len(points)
    bars = []
    for i, (label, value) in enumerate(points):
        h = float(value) / float(top) * plot_h
        bars.append(
            Bar(
                x=round(pad + i * slot + slot * 0.15, 1),
                y=round(height - pad - h, 1),
                width=round(slot * 0.7, 1),
                height=round(h, 1),
                label=label,
                value=value,
            )
        )
    return {"bars": bars, "width": width, "height": height, "max": top, "base": height - pad, "pad": pad}
