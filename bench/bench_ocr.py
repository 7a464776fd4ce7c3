"""How often the value suggested from a photo of the meter is right (kabinet/meters/ocr.py).

Renders N meter faces (bench/meter_faces.py: drums black and red in a framed window, the
maker's name and a serial number around them; scale 0.55-1.3, rotation +/-10 degrees,
glare, shade, blur, noise, JPEG) with random 8-digit registers (5 whole + 3 decimals),
runs the suggester on each and prints:

  exact     the suggestion equals the register (the customer only confirms)
  none      no suggestion (the customer types the value, as without a photo)
  wrong     a suggestion that differs: the costly case, the customer must notice it
  digits    of the digits in the suggestions made, the share that are right
  ms/photo  the time to suggest, one photo at a time, one thread

READINGS_PHOTO_OCR is on by default only while exact >= 80 % and wrong <= 2 % here: a
missing suggestion costs the customer nothing, a wrong one may be confirmed unread.

    python -m bench bench_ocr
    BENCH_OCR_N=300 python -m bench bench_ocr
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import time

from bench.common import ROOT, record

N = int(os.environ.get("BENCH_OCR_N", "100"))
DIGITS_BEFORE, DIGITS_AFTER = 5, 3
EXACT_TARGET, WRONG_CEILING = 0.80, 0.02


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.meter_faces import face_jpeg
    from kabinet.meters.ocr import read_digits

    if shutil.which("tesseract") is None:
        print("tesseract is not installed (apt-get install tesseract-ocr): nothing to measure")
        return
    rng = random.Random(2026)
    exact = none = wrong = digits_right = digits_read = 0
    wrong_examples = []
    elapsed = 0.0  # reading only, not rendering
    for i in range(N):
        register = "".join(str(rng.randint(0, 9)) for _i in range(DIGITS_BEFORE + DIGITS_AFTER))
        photo = face_jpeg(register, decimals=DIGITS_AFTER, seed=i)
        started = time.perf_counter()
        got = read_digits(photo, length=DIGITS_BEFORE + DIGITS_AFTER)
        elapsed += time.perf_counter() - started
        if got is None:
            none += 1
            continue
        digits_read += len(register)
        digits_right += sum(a == b for a, b in zip(got, register, strict=True))
        if got == register:
            exact += 1
        else:
            wrong += 1
            wrong_examples.append(f"seed {i}: {register} read as {got}")
    extra = {"n": N, "exact": exact, "none": none, "wrong": wrong}
    record("ocr exact", 100 * exact / N, "%", target=f">= {EXACT_TARGET:.0%} to be on by default", extra=extra)
    record("ocr no suggestion", 100 * none / N, "%", extra=extra)
    record("ocr wrong", 100 * wrong / N, "%", target=f"<= {WRONG_CEILING:.0%} to be on by default", extra=extra)
    record("ocr digits right", 100 * digits_right / digits_read if digits_read else 0.0, "%", extra=extra)
    record("ocr time", 1000 * elapsed / N, "ms/photo", extra=extra)
    for line in wrong_examples[:10]:
        print("  wrong:", line)
    good = exact / N >= EXACT_TARGET and wrong / N <= WRONG_CEILING
    print(f"verdict: {'good enough to be on by default' if good else 'keep READINGS_PHOTO_OCR off by default'}")


if __name__ == "__main__":
    main()
