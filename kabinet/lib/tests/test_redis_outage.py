"""A Redis outage degrades to the database: a real Redis, started here, is stopped while
the portal is in use, and every page still answers (sessions are read from the database)."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from kabinet.lib import redis_cache as backend

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs Debian's redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_server(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield process, f"redis://127.0.0.1:{port}/0"
    process.kill()
    process.wait()


@pytest.fixture
def redis_sessions(settings, redis_server, monkeypatch):
    process, url = redis_server
    settings.CACHES = {"default": {"BACKEND": "kabinet.lib.redis_cache.RedisCache", "LOCATION": url}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    monkeypatch.setattr(backend, "PAUSE_SECONDS", 0.2)
    return process


def stop(process):
    process.terminate()
    process.wait(timeout=10)


def test_pages_answer_while_redis_is_down(client, personas, redis_sessions, caplog):
    client.force_login(personas.alice)
    assert client.get(reverse("portal:dashboard")).status_code == 200
    stop(redis_sessions)
    with caplog.at_level(logging.WARNING, logger="kabinet.lib.redis_cache"):
        assert client.get(reverse("portal:dashboard")).status_code == 200  # the session, from the database
        client.logout()
        assert client.get(reverse("portal:login")).status_code == 200
        response = client.post(reverse("portal:login"), {"username": "alice@example.com", "password": "x-wrong-x"})
        assert response.status_code == 200
    assert "Redis cache unreachable" in caplog.text


def test_every_cache_call_answers_as_a_miss_while_redis_is_down(redis_sessions):
    cache = caches["default"]
    cache.set("k", 1)
    assert cache.get("k") == 1
    stop(redis_sessions)
    assert cache.get("k", "missing") == "missing"
    assert cache.set("k", 2) is None and cache.add("k", 2) is False and cache.incr("n") == 1
    assert cache.get_many(["k"]) == {} and cache.has_key("k") is False
    started = time.monotonic()
    for _ in range(100):  # left alone between tries: no connection attempt per call
        cache.get("k")
    assert time.monotonic() - started < 1.0
