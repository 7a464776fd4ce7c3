"""The product's own error pages, for customers whatever DEBUG says.

With DEBUG on Django answers a 404 with its URL list and a 500 with a traceback and the
settings, bypassing handler404/handler500. The demo runs with DEBUG on (static files from
the finders, the payment sandbox, the demo logins), and is used by newcomers, not by the
developer of the code: they get templates/404.html and 500.html. A developer who wants
Django's pages asks for them with DJANGO_DEBUG_PAGES=1 (settings.DEBUG_PAGES).

Django's exception handling looks its technical pages up in django.views.debug at the
moment it needs one; install() wraps those two functions once (PortalConfig.ready), and
the wrappers read settings.DEBUG_PAGES on every call. The traceback is still logged.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.urls import get_resolver, get_urlconf
from django.utils import translation
from django.views import debug, defaults

# Without a template at all (a broken installation), still not a traceback.
BARE_500 = "<!doctype html><title>Server error</title><h1>Server error (500)</h1>"


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: templates/404.html with the portal's menu and footer."""
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: templates/500.html, rendered without the request's context processors
    and without any query, since the error may be the database itself."""
    try:
        # The visitor's language from the cookie or the browser: no database needed.
        with translation.override(translation.get_language_from_request(request)):
            return HttpResponseServerError(loader.get_template("500.html").render())
    except Exception:
        return HttpResponseServerError(BARE_500)


def _handler(status: int):
    return get_resolver(get_urlconf()).resolve_error_handler(status)


def install() -> None:
    if getattr(debug.technical_404_response, "product_pages", False):
        return
    technical_404 = debug.technical_404_response
    technical_500 = debug.technical_500_response

    def not_found(request, exception):
        if settings.DEBUG_PAGES:
            return technical_404(request, exception)
        try:
            return _handler(404)(request, exception)
        except Exception:
            return server_error(request)

    def error(request, exc_type, exc_value, tb, status_code=500):
        if settings.DEBUG_PAGES:
            return technical_500(request, exc_type, exc_value, tb, status_code=status_code)
        if status_code == 400:  # a SuspiciousOperation (a forged host name, a broken upload)
            try:
                return _handler(400)(request, exc_value)
            except Exception:  # the 400 page itself failed: the 500 page below, no traceback
                return server_error(request)
        return server_error(request)

    not_found.product_pages = error.product_pages = True
    debug.technical_404_response = not_found
    debug.technical_500_response = error
