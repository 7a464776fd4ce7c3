from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control

from kabinet.utility.models import UtilityProfile


class UtilityLanguageMiddleware:
    """Speak the utility's first language to a visitor who has not chosen one.

    Placed after LocaleMiddleware: the language switch's cookie always wins; without it a
    Latvian utility's portal opens in Latvian and a Russian one's in Russian, whatever the
    browser's Accept-Language says (as the reference portals do).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
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
