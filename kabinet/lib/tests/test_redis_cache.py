"""The production cache backend against a real Redis (REDIS_TEST_URL; .ci/run sets it)."""

import os
import threading

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_TEST_URL"), reason="set REDIS_TEST_URL to run against Redis")


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "kabinet.lib.redis_cache.RedisCache", "LOCATION": os.environ["REDIS_TEST_URL"]}
    }
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


def test_values_round_trip_and_expire(redis_cache):
    redis_cache.set("reading", {"meter": 7, "value": "123.4"}, timeout=60)
    assert redis_cache.get("reading") == {"meter": 7, "value": "123.4"}
    assert redis_cache.add("reading", "other") is False
    redis_cache.set("gone", 1, timeout=0)
    assert redis_cache.get("gone") is None
    redis_cache.delete("reading")
    assert redis_cache.get("reading", "missing") == "missing"


def test_many_threads_share_one_client_and_lose_no_increment(redis_cache):
    redis_cache.set("hits", 0)
    client = redis_cache._cache.get_client()

    def hit():
        for _ in range(200):
            redis_cache.incr("hits")

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert redis_cache.get("hits") == 800
    # Django's own client builds a new redis.Redis on every call; this one keeps it.
    assert redis_cache._cache.get_client(write=True) is client
