"""Where a `next` parameter may send the browser after a login or a choice."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_url(request: HttpRequest, value: str) -> str:
    """`value` if it is a path on this site ("/readings/?account=2"), else "". Never an
    open redirect (another host, "//host", "javascript:"), and never a bare word, which
    django.shortcuts.redirect() would try to reverse as a view name (a 500 for "abc")."""
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, {request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""
