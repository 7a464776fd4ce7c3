from django.http import HttpRequest
from ninja.security import SessionAuth


class PortalSessionAuth(SessionAuth):
    """The portal's own session (with CSRF), for the PWA's progressive enhancement."""

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None
