from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from kabinet.api.services import api_token_user


class PortalSessionAuth(SessionAuth):
    """The portal's own session (with CSRF), for the PWA's progressive enhancement."""

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class PersonalTokenAuth(HttpBearer):
    """`Authorization: Bearer kab_…`: a personal token made on the portal's API tokens page."""

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user
