"""Which account a page is about: the one chosen in the switcher, if this login may see it."""

from django.http import Http404, HttpRequest

from kabinet.customers.models import AccountAccess
from kabinet.customers.selectors import accesses_for_user

SESSION_KEY = "kabinet_account_id"


def portal_accesses(request: HttpRequest) -> tuple[list[AccountAccess], AccountAccess | None]:
    """All of the login's accounts and the chosen one (one query, cached on the request)."""
    cached = getattr(request, "_kabinet_accesses", None)
    if cached is not None:
        return cached
    accesses = list(accesses_for_user(request.user))
    chosen_id = request.session.get(SESSION_KEY)
    current = next((a for a in accesses if a.account_id == chosen_id), accesses[0] if accesses else None)
    request._kabinet_accesses = (accesses, current)
    return accesses, current


def current_access(request: HttpRequest) -> AccountAccess:
    _accesses, current = portal_accesses(request)
    if current is None:
        raise Http404
    return current


def may_see_invoices(request: HttpRequest) -> bool:
    """Whether this login may open the chosen account's invoices and payments: menus and
    links offer them only then (a household member with readings-only access would get
    a 404)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    _accesses, current = portal_accesses(request)
    return current is not None and current.can_see_invoices
