"""Rendered photos of meter faces, for bench_ocr.py and the OCR tests.

A round housing on a wall, a white dial with the maker's name, the unit, a serial number
(digits the reader must not take for the reading) and a window of drums: the whole
cubic metres black on white, the decimals red. Then what a phone adds: scale, rotation,
uneven light (glare), blur, sensor noise and JPEG compression.

    face_jpeg("01234567", decimals=3, seed=1)           -> bytes of a JPEG
    face_jpeg("01234567", decimals=3, clean=True)       -> the same face, square and sharp
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
DIGIT_FONTS = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf")
TEXT_FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")


def _font(names, size: int):
    for folder in FONT_DIRS:
        for name in names:
            path = Path(folder) / name
            if path.exists():
                return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _digit_fonts(rng: random.Random, size: int):
    available = [n for n in DIGIT_FONTS if any((Path(d) / n).exists() for d in FONT_DIRS)] or [DIGIT_FONTS[0]]
    return _font((rng.choice(available),), size)


def render_face(digits: str, *, decimals: int = 3, seed: int = 0, clean: bool = False) -> Image.Image:
    """The meter face showing `digits` (the last `decimals` of them on red-rimmed drums)."""
    rng = random.Random(seed)
    width, height = 900, 700
    wall = tuple(rng.randint(150, 230) for _i in range(3))
    img = Image.new("RGB", (width, height), wall)
    draw = ImageDraw.Draw(img)
    cx, cy = width // 2, height // 2
    housing = rng.choice([(40, 70, 140), (170, 140, 60), (60, 60, 60), (200, 200, 205)])
    draw.ellipse([cx - 320, cy - 320, cx + 320, cy + 320], fill=housing)
    draw.ellipse([cx - 280, cy - 280, cx + 280, cy + 280], fill=(245, 245, 240), outline=(30, 30, 30), width=4)

    text_font = _font(TEXT_FONTS, 30)
    brand = rng.choice(["AQUA-TECH", "VODOMER", "HYDRO 15", "METRA", "SENSUS"])
    draw.text((cx, cy - 160), brand, fill=(40, 40, 120), font=text_font, anchor="mm")

    cell_w, cell_h = rng.randint(44, 52), rng.randint(62, 74)
    n = len(digits)
    win_w = cell_w * n + 12
    left, top = cx - win_w // 2, cy - 70
    draw.rectangle([left - 6, top - 6, left + win_w + 6, top + cell_h + 18], fill=(20, 20, 20))
    digit_font = _digit_fonts(rng, int(cell_h * 0.78))
    for i, ch in enumerate(digits):
        x0 = left + 6 + i * cell_w
        red = i >= n - decimals
        drum = (250, 250, 250) if not red else (255, 240, 240)
        draw.rectangle([x0 + 2, top + 6, x0 + cell_w - 2, top + cell_h + 6], fill=drum)
        # A drum between two digits now and then: shifted a little, as a turning wheel is.
        shift = 0 if clean else rng.choice([0, 0, 0, 2, -2, 4])
        colour = (200, 20, 20) if red else (15, 15, 15)
        draw.text((x0 + cell_w / 2, top + 6 + cell_h / 2 + shift), ch, fill=colour, font=digit_font, anchor="mm")
    unit_font = _font(TEXT_FONTS, 34)
    draw.text((left + win_w + 20, top + cell_h / 2 + 6), "m³", fill=(20, 20, 20), font=unit_font, anchor="lm")

    small = _font(TEXT_FONTS, 22)
    serial = "".join(str(rng.randint(0, 9)) for _i in range(8))
    draw.text((cx, cy + 90), f"№ {serial}", fill=(30, 30, 30), font=small, anchor="mm")
    draw.text((cx, cy + 125), f"Qn 1,5  {rng.randint(2015, 2026)}", fill=(60, 60, 60), font=small, anchor="mm")
    # The little red dials of litres.
    for k in range(2):
        dx = cx - 110 + k * 220
        draw.ellipse([dx - 38, cy + 160, dx + 38, cy + 236], outline=(170, 30, 30), width=3)
        draw.line([dx, cy + 198, dx + rng.randint(-30, 30), cy + 170], fill=(170, 30, 30), width=4)
    if clean:
        return img

    # What a phone adds.
    glare = Image.new("L", img.size, 0)
    gdraw = ImageDraw.Draw(glare)
    for _i in range(rng.randint(1, 3)):
        gx, gy = rng.randint(150, width - 150), rng.randint(150, height - 150)
        rx, ry = rng.randint(40, 160), rng.randint(25, 90)
        gdraw.ellipse([gx - rx, gy - ry, gx + rx, gy + ry], fill=rng.randint(90, 190))
    glare = glare.filter(ImageFilter.GaussianBlur(rng.randint(20, 45)))
    img = Image.composite(Image.new("RGB", img.size, (255, 255, 255)), img, glare)

    light = Image.linear_gradient("L").resize(img.size).rotate(rng.uniform(0, 360))
    shade = Image.new("RGB", img.size, (0, 0, 0))
    img = Image.composite(shade, img, light.point(lambda v: v * rng.uniform(0.0, 0.35)))

    img = img.rotate(rng.uniform(-10, 10), resample=Image.BICUBIC, expand=True, fillcolor=wall)
    scale = rng.uniform(0.55, 1.3)
    img = img.resize((int(img.width * scale), int(img.height * scale)), Image.BILINEAR)
    blur = rng.uniform(0, 1.6)
    if blur > 0.3:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    noise = Image.effect_noise(img.size, rng.uniform(8, 40)).convert("RGB")
    img = Image.blend(img, noise, rng.uniform(0.05, 0.2))
    return img


def face_jpeg(digits: str, *, decimals: int = 3, seed: int = 0, clean: bool = False) -> bytes:
    img = render_face(digits, decimals=decimals, seed=seed, clean=clean)
    out = io.BytesIO()
    quality = 92 if clean else random.Random(seed).randint(55, 90)
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()
