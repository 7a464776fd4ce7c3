"""What the inspector's phone keeps for a round without signal: the page of the
inspector's routes and each route of today and tomorrow (planned the evening before).

The portal's service worker stores them as it stores a customer's readings forms
(kabinet/portal/pwa.py lists them at /offline/pages/): only these exact URLs, refreshed
when visited online or when a title changes, dropped on logout, on the back office's login
page and when the list comes back empty. A title carries how many stops are left, so a
stop recorded online makes the worker fetch the route again: the copy on the phone does
not offer a stop that is done.
"""

import datetime as dt

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kabinet.customers.models import User
from kabinet.inspection.selectors import RECORD_PERM, routes_for_inspector

# Routes kept on the phone: a day's round and the next one, never a whole district.
MAX_ROUTES = 8


def _left(count: int, left: int) -> str:
    # The same words as the route pages (templates/inspection/today.html, route.html).
    return ngettext("%(n)s stop, %(left)s left", "%(n)s stops, %(left)s left", count) % {"n": count, "left": left}


def offline_pages(user: User, *, today: dt.date) -> list[dict]:
    """The inspector's pages to keep, as {url, title}; nothing for anyone else, nor for an
    inspector (or an administrator, who may do everything) with no route to walk."""
    if not (user.is_active and user.is_staff and user.has_perm(RECORD_PERM)):
        return []
    routes = list(routes_for_inspector(user, today=today))
    if not routes:
        return []
    pages = [
        {
            "url": reverse("inspection:today"),
            "title": f"{_('My routes')} · {_left(sum(r.stop_count for r in routes), sum(r.left for r in routes))}",
        }
    ]
    tomorrow = today + dt.timedelta(days=1)
    for route in [r for r in routes if r.date <= tomorrow][:MAX_ROUTES]:
        pages.append(
            {
                "url": reverse("inspection:route", args=[route.pk]),
                "title": f"{date_format(route.date, 'd.m.Y')} · {route.name} · {_left(route.stop_count, route.left)}",
            }
        )
    return pages
