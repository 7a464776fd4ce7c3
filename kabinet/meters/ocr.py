"""Read the value of a meter from a photo of its face: a suggestion the customer confirms.

Pillow finds the digit window; Tesseract (Debian's `tesseract-ocr`, the `tesseract`
binary, digits only) reads it. The picture is turned upright by its EXIF orientation,
made grey by its darkest channel (red decimal drums as dark as the black ones), the
uneven light of a flash or a window taken out (each pixel against the blur of its
neighbourhood), thresholded and straightened by the angle at which the rows of ink line
up best. The register is then a row of as many character-shaped blobs as the meter has
digits, of one height, inside a frame not much larger than the row (the drum window):
the maker's name and the serial number around it are not framed. Its digits are cut out,
set on a clean strip (no frame, no drum edges to be taken for a 1) and read twice at two
sizes: two readings that differ give no suggestion rather than a wrong one.

Nothing here decides a reading: suggest() returns a string such as "01234.567" or None,
the door shows it for the customer to confirm or correct (never submitted by itself).
No tesseract binary, a picture Pillow cannot open, a timeout: None.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess  # nosec B404  # a fixed binary and arguments; the image goes through stdin
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

WORK_WIDTH = 1000  # pixels: enough for drum digits, small enough to be quick
ANGLES = [a / 2 for a in range(-24, 25)]  # -12..12 degrees in halves
TIMEOUT = 15  # seconds per tesseract run
WHITELIST = "0123456789"


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def available() -> bool:
    return tesseract_path() is not None


def _run(img: Image.Image, *, psm: int) -> str:
    binary = tesseract_path()
    if binary is None:
        return ""
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    args = [binary, "stdin", "stdout", "-l", "eng", "--psm", str(psm), "-c", f"tessedit_char_whitelist={WHITELIST}"]
    # One thread: the web worker runs one photo at a time on a shared machine.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(  # nosec B603  # no shell, fixed arguments
        args, input=buffer.getvalue(), capture_output=True, timeout=TIMEOUT, env=env, check=False
    )
    if done.returncode:
        log.warning("tesseract failed: %s", done.stderr[:300])
        return ""
    return done.stdout.decode("utf-8", "replace")


def _otsu(histogram: list[int]) -> int:
    total = sum(histogram)
    sum_all = sum(i * h for i, h in enumerate(histogram))
    weight_b = sum_b = 0
    best, threshold = -1.0, 128
    for i, h in enumerate(histogram):
        weight_b += h
        if weight_b == 0:
            continue
        weight_f = total - weight_b
        if weight_f == 0:
            break
        sum_b += i * h
        mean_b, mean_f = sum_b / weight_b, (sum_all - sum_b) / weight_f
        between = weight_b * weight_f * (mean_b - mean_f) ** 2
        if between > best:
            best, threshold = between, i
    return threshold


def _gray(img: Image.Image) -> Image.Image:
    """The darkest of the three channels: the red drums of the decimals come out as dark
    as the black ones (plain luminance makes red a mid-grey a glare washes out)."""
    red, green, blue = img.convert("RGB").split()
    return ImageChops.darker(red, ImageChops.darker(green, blue))


def _ink(gray: Image.Image) -> Image.Image:
    """Dark strokes against their own neighbourhood: 255 where ink is, 0 elsewhere.
    A glare or a shadow lifts or lowers the neighbourhood with the strokes."""
    background = gray.filter(ImageFilter.GaussianBlur(max(8, gray.width // 40)))
    darker = ImageChops.subtract(background, gray)
    threshold = max(_otsu(darker.histogram()), 12)
    return darker.point(lambda v: 255 if v > threshold else 0)


def _profile_score(ink: Image.Image, angle: float) -> float:
    turned = ink.rotate(angle, resample=Image.NEAREST, fillcolor=0)
    rows = turned.resize((1, turned.height), Image.BOX).tobytes()  # one byte per row (mode L)
    mean = sum(rows) / len(rows)
    return sum((r - mean) ** 2 for r in rows)


def _skew(ink: Image.Image) -> float:
    """The angle that makes the rows of ink (the digits, the window's frame) horizontal."""
    small = ink.resize((ink.width // 3, ink.height // 3), Image.BOX).point(lambda v: 255 if v > 40 else 0)
    coarse = max(range(-12, 13, 2), key=lambda a: _profile_score(small, a))
    return max((a for a in ANGLES if abs(a - coarse) <= 1.5), key=lambda a: _profile_score(small, a))


@dataclass
class Blob:
    left: int
    top: int
    right: int  # exclusive
    bottom: int  # exclusive

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    def merge(self, other: Blob) -> Blob:
        return Blob(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )


def _blobs(ink: Image.Image) -> list[Blob]:
    """Bounding boxes of the connected areas of ink (8-neighbours), in one pass."""
    width, height = ink.size
    pixels = bytearray(ink.tobytes())
    blobs = []
    for start in range(width * height):
        if not pixels[start]:
            continue
        pixels[start] = 0
        stack = [start]
        left = right = start % width
        top = bottom = start // width
        count = 0
        while stack:
            at = stack.pop()
            count += 1
            y, x = divmod(at, width)
            left, right, top, bottom = min(left, x), max(right, x), min(top, y), max(bottom, y)
            for dy in (-1, 0, 1):
                ny = y + dy
                if ny < 0 or ny >= height:
                    continue
                row = ny * width
                for dx in (-1, 0, 1):
                    nx = x + dx
                    if 0 <= nx < width and pixels[row + nx]:
                        pixels[row + nx] = 0
                        stack.append(row + nx)
        if count >= 12:
            blobs.append(Blob(left, top, right + 1, bottom + 1))
    return blobs


def _merge_pieces(blobs: list[Blob], image_height: int) -> list[Blob]:
    """A digit broken by a glare or a drum's edge comes in pieces one above the other:
    join small pieces that share most of their columns and nearly touch."""
    blobs = sorted((b for b in blobs if b.height < image_height / 3), key=lambda b: b.left)
    merged = True
    while merged:
        merged = False
        for i, a in enumerate(blobs):
            for j in range(i + 1, len(blobs)):
                b = blobs[j]
                if b.left >= a.right:
                    break
                overlap = min(a.right, b.right) - max(a.left, b.left)
                gap = max(a.top, b.top) - min(a.bottom, b.bottom)
                joined = a.merge(b)
                if (
                    overlap > 0.6 * min(a.width, b.width)
                    and -0.3 * min(a.height, b.height) < gap < 0.3 * max(a.height, b.height)
                    and joined.height < 2.2 * max(a.height, b.height)
                    and joined.width < 1.3 * max(a.width, b.width)
                ):
                    blobs[i] = joined
                    del blobs[j]
                    merged = True
                    break
            if merged:
                break
    return blobs


def _framed(row: list[Blob], frames: list[Blob]) -> bool:
    """Whether a window's frame holds the row: a blob around it, not much larger (the
    dial's rim holds the maker's name and the serial number too, but is far larger)."""
    left, top = min(b.left for b in row), min(b.top for b in row)
    right, bottom = max(b.right for b in row), max(b.bottom for b in row)
    for f in frames:
        if f.left <= left and f.top <= top and f.right >= right and f.bottom >= bottom:
            if f.height <= 3 * (bottom - top) and f.width <= 1.8 * (right - left):
                return True
    return False


def _digit_row(blobs: list[Blob], length: int, image_height: int) -> list[Blob] | None:
    """The register: `length` character-shaped blobs of one height in a row, inside a
    window's frame; the tallest such row."""
    pieces = _merge_pieces(blobs, image_height)
    shaped = [b for b in pieces if 10 <= b.height <= image_height / 3 and 0.12 <= b.width / b.height <= 1.1]
    best = None
    for seed in shaped:
        row = sorted(
            (
                b
                for b in shaped
                if abs(b.middle - seed.middle) < 0.35 * seed.height and 0.8 < b.height / seed.height < 1.25
            ),
            key=lambda b: b.left,
        )
        # Split where the gap is too wide for one register.
        run: list[Blob] = []
        for b in row:
            if run and b.left - run[-1].right > 1.2 * seed.height:
                if seed in run:
                    break
                run = []
            run.append(b)
        if len(run) != length or seed not in run or not _framed(run, blobs):
            continue
        if best is None or sum(b.height for b in run) > sum(b.height for b in best):
            best = run
    return best


def _compose(binary: Image.Image, row: list[Blob], target: int = 48) -> Image.Image:
    """The digits of the row cut out and set on a clean white strip, evenly spaced: no
    frame, no drum edges for the reader to take for a 1."""
    pieces = []
    for b in row:
        piece = binary.crop((b.left, b.top, b.right, b.bottom))
        factor = target / b.height
        pieces.append(piece.resize((max(1, int(b.width * factor)), target), Image.LANCZOS))
    gap = target // 3
    strip = Image.new("L", (sum(p.width for p in pieces) + gap * (len(pieces) + 1), target + 2 * gap), 255)
    x = gap
    for piece in pieces:
        strip.paste(piece, (x, gap))
        x += piece.width + gap
    return strip.point(lambda v: 0 if v < 128 else 255)


def read_digits(data: bytes, *, length: int) -> str | None:
    """The `length` digits of the register in the photo, or None."""
    if not available() or length < 1:
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            img = _gray(ImageOps.exif_transpose(opened))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    if img.width > WORK_WIDTH:
        img = img.resize((WORK_WIDTH, max(1, int(img.height * WORK_WIDTH / img.width))), Image.LANCZOS)
    ink = _ink(img)
    angle = _skew(ink)
    upright = ink.rotate(angle, resample=Image.BICUBIC, fillcolor=0, expand=True).point(lambda v: 255 if v > 127 else 0)
    row = _digit_row(_blobs(upright), length, upright.height)
    if row is None:
        return None
    binary = ImageOps.invert(upright)  # black digits on white, as tesseract likes them
    readings = set()
    try:
        # Read twice at two sizes; when the two disagree, no suggestion rather than a wrong one.
        for target in (40, 56):
            readings.add("".join(ch for ch in _run(_compose(binary, row, target), psm=7) if ch.isdigit()))
    except (subprocess.TimeoutExpired, OSError):
        log.warning("tesseract did not answer", exc_info=True)
        return None
    text = readings.pop() if len(readings) == 1 else ""
    return text if len(text) == length else None


def suggest(data: bytes, *, digits_before: int, digits_after: int, decimals: int) -> str | None:
    """The reading as the customer would type it ("01234.567"; `decimals` of the
    `digits_after` red drums are kept, as the utility takes them), or None."""
    digits = read_digits(data, length=digits_before + digits_after)
    if digits is None:
        return None
    whole, fraction = digits[:digits_before], digits[digits_before:][: max(decimals, 0)]
    return f"{whole}.{fraction}" if fraction else whole
