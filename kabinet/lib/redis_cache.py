"""Django's Redis cache with one redis-py client per connection pool.

Django's RedisCacheClient.get_client() builds a new redis.Redis for every cache call, and
redis-py's constructor registers its ~170 response callbacks each time: 0.25 ms of CPU per
call, paid on every portal page, whose session is read from this cache (cached_db). A
redis.Redis is safe to share between threads (its pool hands each command a connection),
so one per pool is kept and reused.
"""

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


class RedisCache(DjangoRedisCache):
    """settings.CACHES BACKEND "kabinet.lib.redis_cache.RedisCache": Django's RedisCache,
    same LOCATION and OPTIONS."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientCacheClient
