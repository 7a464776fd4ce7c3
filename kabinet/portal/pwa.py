"""The portal as an installable web app (PWA): the manifest, the service worker and the
offline page. All of it is progressive enhancement: every page works without it.

What the service worker caches, and why one customer's page never reaches another: only
the public app shell (our CSS, scripts, icons) and the offline page, which is rendered as
for an anonymous visitor and holds no customer data. HTML pages always go to the network
and are never stored, so a shared phone or a logout leaves no account page in the cache
(a cache keyed by session would need clearing on every logout and session expiry, and
would still keep a customer's invoices on a device someone else picks up). With no
network a page visit gets the offline page; readings entered on an open form wait on the
device (static/js/readings-offline.js) and go out when the connection returns.
"""

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kabinet.utility.models import UtilityProfile

# The portal's accent (static/css/kabinet.css --accent) and page background. The utility
# profile has no colour field yet; names come from it.
THEME_COLOR = "#0b5cad"
BACKGROUND_COLOR = "#f5f7fa"

SERVICE_WORKER = "js/sw.js"
# Cached by the service worker on install: what the offline page and an open readings
# form need to look right and work without a network.
SHELL = [
    "css/kabinet.css",
    "js/pwa.js",
    "js/readings-offline.js",
    "icons/icon.svg",
    "icons/icon-192.png",
]
ICONS = [
    ("icons/icon-192.png", "192x192", "image/png", "any"),
    ("icons/icon-512.png", "512x512", "image/png", "any"),
    ("icons/icon-maskable-512.png", "512x512", "image/png", "maskable"),
    ("icons/icon.svg", "any", "image/svg+xml", "any"),
]


def _static_file(name: str) -> Path:
    found = finders.find(name)
    if found:
        return Path(found)
    return Path(staticfiles_storage.path(name))  # after collectstatic, without finders


@lru_cache(maxsize=1)
def _shell_version_cached() -> str:
    return _shell_version()


def _shell_version() -> str:
    """Changes whenever the worker or a shell file changes: the browser then installs the
    new worker, which fills a new cache and drops the old one."""
    digest = hashlib.sha256()
    for name in [SERVICE_WORKER, *SHELL]:
        digest.update(_static_file(name).read_bytes())
    return digest.hexdigest()[:16]


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest, in the language asked for (?lang=, set by base.html: browsers
    fetch the manifest without cookies) with the utility's names."""
    languages = {code for code, _name in settings.LANGUAGES}
    wanted = request.GET.get("lang", "")
    language = wanted if wanted in languages else translation.get_language()
    profile = UtilityProfile.get()
    with translation.override(language):
        body = {
            "id": reverse("portal:dashboard"),
            "name": f"{profile.short_name} · {_('Customer portal')}",
            "short_name": profile.short_name[:24],
            "description": _("Meter readings, invoices, payments and service requests of %(name)s.")
            % {"name": profile.name},
            "lang": language,
            "dir": "ltr",
            "start_url": reverse("portal:dashboard"),
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOR,
            "background_color": BACKGROUND_COLOR,
            "icons": [
                {"src": static(src), "sizes": sizes, "type": kind, "purpose": purpose}
                for src, sizes, kind, purpose in ICONS
            ],
            "shortcuts": [
                {"name": _("Submit readings"), "url": reverse("portal:readings")},
                {"name": _("Reading history"), "url": reverse("portal:readings-history")},
            ],
        }
    response = JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/js/sw.js at the site root, so that it may control every page, with its
    configuration (the shell's URLs and their version) in front."""
    path = _static_file(SERVICE_WORKER)
    if not path.is_file():
        raise Http404
    config = {
        "version": _shell_version() if settings.DEBUG else _shell_version_cached(),
        "static": settings.STATIC_URL,
        "offline": reverse("portal:offline"),
        "shell": [reverse("portal:offline"), *(static(name) for name in SHELL)],
    }
    body = f"self.KABINET = {json.dumps(config)};\n{path.read_text(encoding='utf-8')}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker on navigation; never let a proxy keep an old one.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows when a page cannot be loaded. Rendered as for an
    anonymous visitor (no menu, no account data), since the worker caches it."""
    response = render(
        request,
        "portal/offline.html",
        {"user": AnonymousUser()},
    )
    response["Cache-Control"] = "no-cache"
    return response
