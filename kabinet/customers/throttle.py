"""Attempt counters for login, registration, password reset and adding premises.

Counters live in Django's cache - Redis in production (REDIS_URL), so every worker sees
the same numbers - as fixed windows: the first attempt starts the window, the counter
expires with it. Identifiers are hashed before they become cache keys.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

from kabinet.utility.exceptions import ApplicationError


@dataclass(frozen=True)
class Limit:
    scope: str  # "login:id", "login:ip", ...
    attempts: int
    window: int  # seconds


# Per identifier (a login, client code, e-mail or account number) and per IP address.
LOGIN_ID = Limit("login:id", 5, 15 * 60)
LOGIN_IP = Limit("login:ip", 30, 15 * 60)
REGISTER_ID = Limit("register:id", 5, 60 * 60)
REGISTER_IP = Limit("register:ip", 20, 60 * 60)
RESET_ID = Limit("reset:id", 5, 60 * 60)
RESET_IP = Limit("reset:ip", 20, 60 * 60)
PREMISES_ID = Limit("premises:id", 10, 60 * 60)
PREMISES_IP = Limit("premises:ip", 30, 60 * 60)
CODE_ID = Limit("code:id", 5, 60 * 60)
CODE_IP = Limit("code:ip", 20, 60 * 60)
APPLICATION_IP = Limit("application:ip", 10, 60 * 60)
# A stolen session must not become a way to guess the password (change password / e-mail).
PASSWORD_CHECK = Limit("password-check:user", 5, 15 * 60)


def _key(limit: Limit, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:40]
    return f"kabinet:throttle:{limit.scope}:{digest}"


def throttle_count(limit: Limit, value: str) -> int:
    return int(cache.get(_key(limit, value), 0) or 0)


def throttle_hit(limit: Limit, value: str) -> int:
    """Count one attempt; returns the count in the current window."""
    if not value:
        return 0
    key = _key(limit, value)
    cache.add(key, 0, timeout=limit.window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window)
        return 1


def throttle_reset(limit: Limit, value: str) -> None:
    if value:
        cache.delete(_key(limit, value))


def throttle_check(*checks: tuple[Limit, str]) -> None:
    """Raise ApplicationError("throttled") if any (limit, value) is at its limit."""
    for limit, value in checks:
        if value and throttle_count(limit, value) >= limit.attempts:
            minutes = max(1, limit.window // 60)
            message = ngettext(
                "Too many attempts. For your security, please wait %(minutes)s minute and try again.",
                "Too many attempts. For your security, please wait %(minutes)s minutes and try again.",
                minutes,
            ) % {"minutes": minutes}
            raise ApplicationError("throttled", message, extra={"retry_after": limit.window})


def client_ip(request) -> str | None:
    """The visitor's address. Behind N trusted proxies (settings.TRUSTED_PROXIES) it is the
    Nth address from the right of X-Forwarded-For; a client cannot forge the ones a proxy adds."""
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
