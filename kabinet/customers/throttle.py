"""Attempt counters for login, registration, password reset and adding premises.

Counters live in Django's cache - Redis in production (REDIS_URL), so every worker sees
the same numbers - as fixed windows: the first attempt starts the window, the counter
expires with it. Identifiers are hashed before they become cache keys.

Logins are guarded per person and per address (login_begin/_failed/_succeeded): the
e-mail, the client code and every account number of one person count together, an
attempt is counted before its password is checked (so parallel attempts cannot slip
through between a check and a count), and a person's failures slow the next attempt
down (30 s after the third, doubling up to 15 minutes) rather than lock the owner out
at once. A successful password reset lifts it.
"""

import hashlib
import math
import time
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
            raise _throttled(limit.window)


def _throttled(seconds: int) -> ApplicationError:
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext(
        "Too many attempts. For your security, please wait %(minutes)s minute and try again.",
        "Too many attempts. For your security, please wait %(minutes)s minutes and try again.",
        minutes,
    ) % {"minutes": minutes}
    return ApplicationError("throttled", message, extra={"retry_after": seconds})


# --- logins ------------------------------------------------------------------------------

LOGIN_FREE_FAILURES = 3
LOGIN_FIRST_WAIT = 30  # seconds, after the failures above
LOGIN_MAX_WAIT = 15 * 60
LOGIN_MEMORY = 60 * 60  # a person's failures are forgotten an hour after the last one
LOGIN_PERSON = Limit("login:person", LOGIN_FREE_FAILURES, LOGIN_MEMORY)


def login_wait(failures: int) -> int:
    """Seconds an attempt must wait after the last of `failures` failed attempts."""
    if failures < LOGIN_FREE_FAILURES:
        return 0
    return min(LOGIN_MAX_WAIT, LOGIN_FIRST_WAIT * 2 ** (failures - LOGIN_FREE_FAILURES))


def login_person(identifier: str) -> str:
    """Whose login an identifier names: one key for all of a person's identifiers."""
    from kabinet.customers.backends import user_for_identifier

    user = user_for_identifier(identifier)
    return f"user:{user.pk}" if user is not None else f"name:{(identifier or '').strip().lower()}"


def _decr(limit: Limit, value: str) -> None:
    try:
        cache.decr(_key(limit, value))
    except ValueError:  # expired meanwhile
        pass


def login_begin(person: str, ip: str | None) -> None:
    """Count an attempt for `person` from `ip` before its password is checked; refuse it
    (ApplicationError "throttled", with retry_after) if it has to wait. Every attempt
    that is not refused ends with login_failed(), login_succeeded() or login_release()."""
    if ip and throttle_hit(LOGIN_IP, ip) > LOGIN_IP.attempts:
        _decr(LOGIN_IP, ip)
        raise _throttled(LOGIN_IP.window)
    # The counter is taken atomically: of several parallel attempts each gets its own
    # number, and the later ones have to wait longer.
    failures_before = throttle_hit(LOGIN_PERSON, person) - 1
    wait = login_wait(failures_before)
    if wait:
        last = cache.get(_key(LOGIN_PERSON, person + ":last")) or 0.0
        remaining = math.ceil(last + wait - time.time())
        if remaining > 0:
            _decr(LOGIN_PERSON, person)
            if ip:
                _decr(LOGIN_IP, ip)
            raise _throttled(remaining)


def login_failed(person: str, ip: str | None) -> None:
    cache.set(_key(LOGIN_PERSON, person + ":last"), time.time(), timeout=LOGIN_MEMORY)
    cache.touch(_key(LOGIN_PERSON, person), timeout=LOGIN_MEMORY)


def login_succeeded(person: str, ip: str | None) -> None:
    login_unlock(person)
    if ip:
        _decr(LOGIN_IP, ip)


def login_release(person: str, ip: str | None) -> None:
    """The attempt was not made after all (an empty field): give its count back."""
    _decr(LOGIN_PERSON, person)
    if ip:
        _decr(LOGIN_IP, ip)


def login_unlock(person: str) -> None:
    """Forget a person's failures: a successful login or password reset."""
    cache.delete_many([_key(LOGIN_PERSON, person), _key(LOGIN_PERSON, person + ":last")])


def client_ip(request) -> str | None:
    """The visitor's address. Behind N trusted proxies (settings.TRUSTED_PROXIES) it is the
    Nth address from the right of X-Forwarded-For; a client cannot forge the ones a proxy adds."""
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
