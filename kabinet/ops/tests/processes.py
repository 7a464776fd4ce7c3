"""Real processes for the scale-out tests: app servers and Celery workers started as the
systemd units start them, against the test database and a real Redis, as if each ran on
a host of its own (they share nothing but PostgreSQL and Redis)."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
# Another database number than the suite's Redis tests (REDIS_TEST_URL), which flush theirs.
REDIS_DB = 14


def services() -> tuple[str, str]:
    """(DATABASE_URL of the test database, REDIS_URL), or skip: real processes need both."""
    if connection.vendor != "postgresql":
        pytest.skip("several processes on one database need PostgreSQL (SQLite is the one-process demo)")
    redis_test_url = os.environ.get("REDIS_TEST_URL")
    if not redis_test_url:
        pytest.skip("set REDIS_TEST_URL (e.g. redis://127.0.0.1:6379/15): the processes share Redis")
    redis_url = urllib.parse.urlsplit(redis_test_url)._replace(path=f"/{REDIS_DB}").geturl()
    return database_url(), redis_url


def database_url() -> str:
    """The DATABASE_URL of the test database (pytest-django's test_<name>), for another process."""
    db = connection.settings_dict
    netloc = urllib.parse.quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        netloc += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    netloc = f"{netloc}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{netloc}/{db['NAME']}"


def redis_flush(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def free_port() -> int:
    """A free port below the kernel's ephemeral range (deploy/prod_check.py: a port the
    kernel hands out for outgoing connections could be taken before the server binds it)."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = secrets.SystemRandom()
    for _attempt in range(200):
        port = rng.randrange(20000, max(20001, min(low, 32768)))
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def production_env(database_url: str, redis_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """A production host's environment (deploy/kabinet.env.example): DEBUG off, Redis on,
    tasks to the workers (not inline), one SECRET_KEY for every host of the deployment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    for name in ("SECRET_KEY_FILE", "DATABASE_URL_FILE", "CELERY_TASK_ALWAYS_EAGER", "SQLITE_PATH"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="kabinet.settings",
        DEBUG="0",
        SECRET_KEY="ops-scale-test-" + "k" * 40,  # nosec B105  # a test deployment's shared key
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        KABINET_VAR_DIR=str(var_dir),
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback: no TLS proxy in front
        KABINET_DEMO="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


class Processes:
    """Started processes, each in a session of its own, with its output in a log file;
    all stopped (SIGTERM, then SIGKILL) when the `with` block ends, whatever happened."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.started: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("w")
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.started[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def wait_for(self, name: str, ready, what: str, limit: float = 40) -> None:
        deadline = time.monotonic() + limit
        while not ready():
            proc = self.started[name]
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited ({proc.returncode}):\n{self.log(name)[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}: no {what} within {limit:.0f} s:\n{self.log(name)[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        for proc in self.started.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.started.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@contextmanager
def processes(logs: Path):
    group = Processes(logs)
    try:
        yield group
    finally:
        group.stop()


# --- HTTP -------------------------------------------------------------------------------


def request(
    method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path or "/", body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def answers(url: str) -> bool:
    try:
        return request("GET", url)[0] == 200
    except OSError:
        return False


def cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    # Production cookies are Secure: kept by hand so plain HTTP on loopback still carries them.
    jar = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()
    return jar


def login(base_url: str, identifier: str, password: str) -> dict[str, str]:
    """Log in through the portal's form; returns the cookies (sessionid, csrftoken)."""
    status, headers, body = request("GET", f"{base_url}/login/")
    assert status == 200, status
    jar = cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "identifier": identifier, "password": password})
    status, headers, _body = request(
        "POST",
        f"{base_url}/login/",
        body=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={jar['csrftoken']}"},
    )
    jar.update(cookies(headers))
    assert status == 302 and "sessionid" in jar, (status, sorted(jar))
    return jar
