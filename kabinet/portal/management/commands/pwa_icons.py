"""Draw the web app's icons (our own: a white water drop on the portal's accent) into
static/icons/. Run once after changing the design; the PNGs are committed, so Pillow is
needed only here (a dev dependency), never at run time."""

import math
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

ACCENT = (11, 92, 173)  # --accent in static/css/kabinet.css
WHITE = (255, 255, 255)
SUPERSAMPLE = 4  # draw big, scale down: smooth edges without an anti-aliasing library


def drop_outline(size: float, scale: float) -> list[tuple[float, float]]:
    """The drop of static/icons/icon.svg (a 512 box) as a polygon: a point at the top,
    two curves down to a circle at the bottom. `scale` shrinks it around the centre."""
    top, cx, cy, r = (256, 96), 256, 320, 112

    def bezier(p0, p1, p2, p3, steps=48):
        for i in range(steps + 1):
            t = i / steps
            yield tuple(
                (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t**2 * c + t**3 * d
                for a, b, c, d in zip(p0, p1, p2, p3, strict=True)
            )

    points = list(bezier(top, (256, 96), (cx - r, 232), (cx - r, cy)))
    points += [(cx - r * math.cos(a), cy + r * math.sin(a)) for a in (math.pi * i / 64 for i in range(1, 64))]
    points += list(bezier((cx + r, cy), (cx + r, 232), (256, 96), top))
    k = size / 512
    return [((x - 256) * scale * k + size / 2, (y - 256) * scale * k + size / 2) for x, y in points]


class Command(BaseCommand):
    help = "Draw the PWA icons into static/icons/"

    def handle(self, *args, **options):
        from PIL import Image, ImageDraw

        out = Path(settings.BASE_DIR) / "static" / "icons"
        out.mkdir(parents=True, exist_ok=True)
        # name, size, rounded corners (0 for "maskable": the platform cuts its own shape),
        # drop scale (smaller for maskable: it must stay inside the central safe zone)
        for name, size, radius, scale in [
            ("icon-192.png", 192, 0.18, 1.0),
            ("icon-512.png", 512, 0.18, 1.0),
            ("icon-maskable-512.png", 512, 0.0, 0.72),
            ("apple-touch-icon.png", 180, 0.0, 0.9),
        ]:
            big = size * SUPERSAMPLE
            image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
            draw = ImageDraw.Draw(image)
            draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=int(big * radius), fill=ACCENT)
            draw.polygon(drop_outline(big, scale), fill=WHITE)
            image.resize((size, size), Image.LANCZOS).save(out / name, optimize=True)
            self.stdout.write(f"{out / name}")
