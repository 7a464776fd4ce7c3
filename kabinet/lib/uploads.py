"""Recognise uploaded images by their content, never by their name or declared type.

Django-free: takes the first bytes of a file and says what it is (or None).
"""

JPEG = "image/jpeg"
PNG = "image/png"
HEIC = "image/heic"

EXTENSIONS = {JPEG: "jpg", PNG: "png", HEIC: "heic"}

# ISO-BMFF brands used by HEIF/HEIC pictures from phones.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}

SNIFF_BYTES = 32


def sniff_image(head: bytes) -> str | None:
    """The image's MIME type judged by its magic bytes: JPEG, PNG or HEIC; None otherwise."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return HEIC
    return None
