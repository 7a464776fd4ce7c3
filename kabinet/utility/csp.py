"""The Content-Security-Policy of every response, and the one exception it makes.

Everything the pages load comes from the site itself: no inline script or style, no
third-party origin (the API's docs use django-ninja's own copy of Swagger UI). The QR
codes and charts are inline SVG elements, and data: images are the PWA's icons.

The one exception: printable documents (a receipt, a statement) carry their CSS in a
<style> element, because the same template becomes the PDF. Their views allow exactly
those style elements by hash (document_policy()), never 'unsafe-inline'.
"""

import base64
import hashlib
import re

DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "manifest-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


CONTENT_SECURITY_POLICY = _policy(DIRECTIVES)
_STYLE = re.compile(rb"<style[^>]*>(.*?)</style>", re.DOTALL)


def document_policy(html: bytes) -> str:
    """The policy for a printable document: its own <style> elements allowed by hash."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(css).digest()).decode()}'" for css in _STYLE.findall(html)
    )
    return _policy({**DIRECTIVES, "style-src": f"'self' {hashes}".strip()})
