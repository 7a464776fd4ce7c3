"""Rate limits of the API: per personal token (or portal login) and per client address.

A home-automation bridge submits a reading a day and polls its meters now and then; a
runaway script or a leaked token must not become the evening rush. Over a limit the API
answers 429 with Retry-After (seconds to the next window) and the ErrorOut body (code
"throttled").

Fixed windows counted in Django's cache (Redis in production, shared by every worker):
one INCR per request and limit. Stateless between calls, so one instance serves every
thread (django-ninja's own SimpleRateThrottle keeps the request's history on itself).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from kabinet.customers.throttle import client_ip

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int] | None:
    """ "120/min" -> (120, 60); "" -> None (no limit)."""
    if not rate:
        return None
    count, _slash, unit = rate.partition("/")
    return int(count), _PERIODS[unit.strip()]


class WindowThrottle(BaseThrottle):
    scope = ""

    def __init__(self, rate: str):
        self.limit = parse_rate(rate)

    def ident(self, request: HttpRequest) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: HttpRequest) -> bool:
        if self.limit is None:
            return True
        ident = self.ident(request)
        if ident is None:
            return True
        count, period = self.limit
        key = f"kabinet:api-rate:{self.scope}:{ident}:{int(time.time() // period)}"
        try:
            used = cache.incr(key)
        except ValueError:  # the window's first request
            used = 1 if cache.add(key, 1, timeout=period + 1) else cache.incr(key)
        return used <= count

    def wait(self) -> float | None:
        if self.limit is None:
            return None
        period = self.limit[1]
        return period - time.time() % period


class TokenRateThrottle(WindowThrottle):
    """Per personal token; per login for the portal's own session."""

    scope = "token"

    def ident(self, request: HttpRequest) -> str | None:
        grant = getattr(request, "token_grant", None)
        if grant is not None and grant.token_id is not None:
            return f"t{grant.token_id}"
        if getattr(request.user, "is_authenticated", False):
            return f"u{request.user.pk}"
        return None  # not signed in: the address limit applies


class AddressRateThrottle(WindowThrottle):
    """Per client address (behind the proxies settings.TRUSTED_PROXIES counts)."""

    scope = "address"

    def ident(self, request: HttpRequest) -> str | None:
        return client_ip(request)


def api_throttles() -> list[BaseThrottle]:
    return [TokenRateThrottle(settings.API_RATE_PER_TOKEN), AddressRateThrottle(settings.API_RATE_PER_ADDRESS)]
