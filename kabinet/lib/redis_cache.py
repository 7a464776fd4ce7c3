"""Django's Redis cache with one redis-py client per connection pool.

Django's RedisCacheClient.get_client() builds a new redis.Redis for every cache call, and
redis-py's constructor registers its ~170 response callbacks each time: 0.25 ms of CPU per
call, paid on every portal page, whose session is read from this cache (cached_db). A
redis.Redis is safe to share between threads (its pool hands each command a connection),
so one per pool is kept and reused.

A Redis outage is not an outage of Kabinet: the cache answers as if it were empty (a
miss, a write that did not happen) and logs a warning, so sessions are read from the
database (cached_db), pages render and logins work. After a failure Redis is left alone
for a few seconds instead of being asked again on every call of every request.
"""

import functools
import logging
import time

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            # Two threads may both build one here: harmless, the last one is kept.
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


log = logging.getLogger(__name__)

# How long Redis is left alone after a failed call.
PAUSE_SECONDS = 5.0
# Unless OPTIONS say otherwise: a Redis that does not answer costs a request this much.
TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


def _degrades(fallback):
    """The method answers `fallback(*args, **kwargs)` while Redis is unreachable."""

    def decorate(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if time.monotonic() < self._paused_until:
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except self._errors as exc:
                self._paused_until = time.monotonic() + PAUSE_SECONDS
                log.warning("Redis cache unreachable (%s); working without it for %ss", exc, PAUSE_SECONDS)
                return fallback(*args, **kwargs)

        return call

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty(*args, **kwargs):
    return {}


def _list(*args, **kwargs):
    return []


def _incr(key, delta=1, version=None):
    # As if the counter had just been created: throttling counts again once Redis is back.
    return delta


class RedisCache(DjangoRedisCache):
    """settings.CACHES BACKEND "kabinet.lib.redis_cache.RedisCache": Django's RedisCache,
    same LOCATION and OPTIONS, that degrades to "no cache" while Redis is down."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**TIMEOUTS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = ReusedClientCacheClient
        self._paused_until = 0.0
        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

    get = _degrades(_default)(DjangoRedisCache.get)
    get_many = _degrades(_empty)(DjangoRedisCache.get_many)
    has_key = _degrades(_false)(DjangoRedisCache.has_key)
    set = _degrades(_nothing)(DjangoRedisCache.set)
    add = _degrades(_false)(DjangoRedisCache.add)
    touch = _degrades(_false)(DjangoRedisCache.touch)
    delete = _degrades(_false)(DjangoRedisCache.delete)
    set_many = _degrades(_list)(DjangoRedisCache.set_many)
    delete_many = _degrades(_nothing)(DjangoRedisCache.delete_many)
    incr = _degrades(_incr)(DjangoRedisCache.incr)
    clear = _degrades(_false)(DjangoRedisCache.clear)
