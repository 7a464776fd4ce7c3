"""The portal as an installable web app (PWA): the manifest, the service worker and the
offline page. All of it is progressive enhancement: every page works without it.

What the service worker caches:
 - the public app shell (our CSS, scripts, icons) and the offline page, which is rendered
   as for an anonymous visitor and holds no customer data;
 - for a signed-in customer, the few pages needed in a basement with no signal: the
   readings form of each of their accounts and their last reading and invoice receipts
   (offline_pages() below, asked for by the worker at /offline/pages/); for an inspector,
   the routes of today and tomorrow (kabinet/inspection/offline.py). Only these exact
   URLs are stored, in one cache ("kabinet-pages") that the worker drops when the customer
   or the inspector logs out (it sees the logout POST and the next login page, the
   portal's or the back office's), when a page is shown to
   nobody signed in, or when the list comes back empty. Other pages, the back office and
   the API always go to the network and are never stored.
With no network a saved page is shown with a "saved at" banner, any other page gets the
offline page; readings entered on a form wait on the device (static/js/readings-offline.js)
and go out when the connection returns, once, thanks to the form's idempotency key.

The HTTP cache keeps none of these pages (PrivateResponsesMiddleware: private, no-store);
the worker's Cache Storage is separate and is ours to clear.
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
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kabinet.billing.selectors import visible_invoices
from kabinet.inspection.offline import offline_pages as inspector_pages
from kabinet.meters.models import Reading, ReadingStatus, SubmissionKey
from kabinet.meters.selectors import meters_visible_to
from kabinet.portal.context import portal_accesses
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
    "inspection/inspection-offline.js",
    "icons/icon.svg",
    "icons/icon-192.png",
]
# Saved pages: the readings form of at most this many accounts (a landlord's dozens of
# flats are not copied onto a phone), and their last invoices.
MAX_ACCOUNTS = 5
# The worker never stores anything under these, whatever a list says.
NEVER = ["/office/", "/api/", "/i18n/"]
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
        "pages": reverse("portal:offline-pages"),
        # Visiting a login page, or posting a logout, drops the saved pages: the portal's
        # for customers, the back office's for inspectors.
        "logins": [reverse("portal:login"), reverse("admin:login")],
        "logouts": [reverse("portal:logout"), reverse("admin:logout")],
        "never": NEVER,
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
        # pwa_offline: the page is no sign of logging out (templates/base.html).
        {"user": AnonymousUser(), "pwa_offline": True, "pages_list": reverse("portal:offline-pages")},
    )
    response["Cache-Control"] = "no-cache"
    return response


def offline_pages(request: HttpRequest) -> list[dict]:
    """The pages the service worker keeps for this customer: the readings form of each
    account (the chosen one at /readings/, where the menu links, the others by
    ?account=), the last reading receipt and the last invoice receipt of each account
    whose invoices this login may see; an inspector's routes of today and tomorrow.
    A few queries, a few pages."""
    inspector = inspector_pages(request.user, today=timezone.localdate())
    accesses, current = portal_accesses(request)
    if current is None:
        return inspector
    accesses = [current, *(a for a in accesses if a.account_id != current.account_id)][:MAX_ACCOUNTS]
    readings = reverse("portal:readings")
    pages = [
        {
            "url": readings if a is current else f"{readings}?account={a.account_id}",
            "title": _("Meter readings · account %(number)s") % {"number": a.account.number},
        }
        for a in accesses
    ]
    receipt = _last_reading_receipt(request.user)
    if receipt:
        pages.append({"url": receipt, "title": _("Last reading receipt")})
    today = timezone.localdate()
    for access in accesses:
        if not access.can_see_invoices:
            continue
        invoice = visible_invoices(access.account_id, today).only("pk", "number").first()
        if invoice is not None:
            pages.append(
                {
                    "url": reverse("portal:invoice-receipt", args=[invoice.pk]),
                    "title": _("Invoice %(number)s · account %(account)s")
                    % {"number": invoice.number, "account": access.account.number},
                }
            )
    return pages + inspector


def _last_reading_receipt(user) -> str | None:
    """The receipt of the login's last submission (every portal form carries a key), if
    its readings are still at premises this login may see."""
    last = SubmissionKey.objects.filter(user=user).exclude(reading_ids=[]).order_by("-created", "-id").first()
    if last is None:
        return None
    ids = sorted(
        Reading.objects.filter(pk__in=last.reading_ids, meter__in=meters_visible_to(user))
        .exclude(status=ReadingStatus.REJECTED)
        .values_list("pk", flat=True)
    )
    if not ids:
        return None
    return reverse("portal:readings-receipt") + "?" + "&".join(f"r={pk}" for pk in ids)


@require_GET
def pages(request: HttpRequest) -> JsonResponse:
    """What the service worker keeps for the signed-in customer (nothing for anyone else:
    the worker then drops what it kept), with the texts it shows offline in the
    customer's language."""
    signed_in = request.user.is_authenticated
    body = {
        "pages": offline_pages(request) if signed_in else [],
        "lang": translation.get_language(),
        # %(time)s is filled in on the device, in its time zone.
        "banner": _("No connection: this page was saved on this device on %(time)s."),
        "saved": _("saved %(time)s"),
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response
