from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from kabinet.api.services import api_token_auth


class PortalSessionAuth(SessionAuth):
    """The portal's own session (with CSRF), for the PWA's progressive enhancement.

    Without a session cookie there is no session to protect from cross-site requests:
    the CSRF check is skipped and the request is simply not authenticated (401, like a
    missing token) instead of answering 403 "CSRF check failed"."""

    def _get_key(self, request: HttpRequest):
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class PersonalTokenAuth(HttpBearer):
    """`Authorization: Bearer kab_…`: a personal token made on the portal's API tokens page."""

    def authenticate(self, request: HttpRequest, token: str):
        # A request about one meter (/meters/<meter_id>/…) checks in the same query that the
        # meter is one of this login's: see my_meter() in readings.py.
        meter_id = _meter_id(request)
        user, meter = api_token_auth(token, meter_id)
        if user is not None:
            request.user = user
            if meter_id is not None:
                request._kabinet_meter = (meter_id, meter)
        return user


def _meter_id(request: HttpRequest) -> int | None:
    match = getattr(request, "resolver_match", None)
    raw = match.kwargs.get("meter_id") if match is not None else None
    try:
        meter_id = int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
    # Outside the database's bigint: no such meter (the view answers 422 for it).
    return meter_id if meter_id is not None and 0 < meter_id < 2**63 else None
