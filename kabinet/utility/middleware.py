import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control

from kabinet.lib.text import CONTROL, MACHINE_DOOR, MACHINE_DOOR_VIEW_NAMES
from kabinet.utility.csp import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from kabinet.utility.models import UtilityProfile


class UtilityLanguageMiddleware:
    """Speak the utility's first language to a visitor who has not chosen one.

    Placed after LocaleMiddleware: the language switch's cookie always wins; without it a
    Latvian utility's portal opens in Latvian and a Russian one's in Russian, whatever the
    browser's Accept-Language says (as the reference portals do). The API follows the
    Accept-Language its client sends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # An API client that names its language (Accept-Language) gets its messages in it:
        # a program asks deliberately, unlike a browser's default.
        api_asks = request.path.startswith("/api/") and "HTTP_ACCEPT_LANGUAGE" in request.META
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and not api_asks:
            available = {code for code, _name in settings.LANGUAGES}
            preferred = [c for c in UtilityProfile.get().language_codes if c in available]
            if preferred:
                translation.activate(preferred[0])
                request.LANGUAGE_CODE = preferred[0]
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """Nothing personal is kept by a browser's or a proxy's cache.

    A response to a signed-in person (portal, back office) or to an API token is marked
    `Cache-Control: private, no-store`: invoices, statements and receipts (PDFs included)
    must not be served from a shared computer's cache after logging out, nor stored by a
    proxy. Public pages (login, news) keep whatever their views set.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = "HTTP_AUTHORIZATION" in request.META or (user is not None and user.is_authenticated)
        if personal:
            patch_cache_control(response, private=True, no_store=True)
        return response


# Control characters no text field may hold (kabinet/lib/text.py says why), and their
# escapes in JSON.
_CONTROL = CONTROL
_JSON_CONTROL = re.compile(rb"\x00|\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF])")


class ControlCharactersMiddleware:
    """Refuse, with a clear message and before anything is stored, a request whose query,
    form fields or JSON body hold control characters (uploaded files are not text and
    are checked by their own parsers). The portal answers a page, the API its ErrorOut.
    A provider's webhook (@machine_door) gets its request as sent and strips them itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, MACHINE_DOOR, False):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in MACHINE_DOOR_VIEW_NAMES:
            return None
        if self._has_control(request):
            return self._refuse(request)
        return None

    @staticmethod
    def _has_control(request) -> bool:
        if _CONTROL.search(request.META.get("QUERY_STRING", "")) or _has_control_in(request.GET):
            return True
        if request.method not in ("POST", "PUT", "PATCH"):
            return False
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            return _has_control_in(request.POST)
        if "json" in content_type:
            return bool(_JSON_CONTROL.search(request.body))
        return False

    @staticmethod
    def _refuse(request):
        message = translation.gettext(
            "What you sent contains control characters (such as a zero byte) that no text may hold, so nothing "
            "was saved."
        )
        if request.path.startswith("/api/"):
            body = {"code": "control_characters", "message": message, "field": None, "errors": None}
            return JsonResponse(body, status=400)
        try:
            return render(request, "input_refused.html", status=400)
        except Exception:  # the page itself needs the database: answer plainly
            return HttpResponseBadRequest(message)


def _has_control_in(data) -> bool:
    return any(_CONTROL.search(key) or any(_CONTROL.search(v) for v in values) for key, values in data.lists())


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (Django 5.2 has no
    CSP of its own). A view that needs another policy sets the header itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class RequestSizeMiddleware:
    """Refuse a request body larger than its door allows before a byte of it is read.

    Django reads an upload to memory or a temporary file before any form can look at its
    size; a 300 MB body sent to a 1 MB form would be stored first and refused after.
    The limits per path prefix are settings.REQUEST_BODY_LIMITS (the longest prefix wins,
    else REQUEST_BODY_DEFAULT_LIMIT); the shipped nginx configuration sets the largest as
    client_max_body_size. A body without a Content-Length (chunked) is refused with 411:
    nginx always sends one."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.limits = sorted(settings.REQUEST_BODY_LIMITS.items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        return next(
            (limit for prefix, limit in self.limits if path.startswith(prefix)), settings.REQUEST_BODY_DEFAULT_LIMIT
        )

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH"):
            raw = request.META.get("CONTENT_LENGTH") or ""
            chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
            if chunked and not raw:
                return self._refuse(request, 411)
            try:
                length = int(raw or 0)
            except ValueError:
                return self._refuse(request, 400)
            if length > self.limit_for(request.path):
                return self._refuse(request, 413)
        return self.get_response(request)

    def _refuse(self, request, status: int):
        # Before LocaleMiddleware: the visitor's language from the cookie or the browser.
        with translation.override(translation.get_language_from_request(request)):
            return self._refusal(request, status)

    def _refusal(self, request, status: int):
        limit = self.limit_for(request.path)
        message = translation.gettext("What you sent is larger than this page accepts (at most %(mb)s MB).") % {
            "mb": f"{limit / 1024 / 1024:.0f}" if limit >= 1024 * 1024 else f"{limit / 1024 / 1024:.2f}"
        }
        if status == 411:
            message = translation.gettext("Send the request with its length (Content-Length).")
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "too_large", "message": message, "field": None, "errors": None}, status=status)
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
        response["Connection"] = "close"  # do not read the rest of the body
        return response
