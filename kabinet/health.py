"""Health probes for load balancers, systemd, Docker and nginx.

- `/healthz` (liveness): the process answers. Touches neither the database nor Redis, so a
  database outage does not make an orchestrator restart every app server.
- `/readyz` (readiness): this server can serve customers: the database answers, Redis
  answers (when REDIS_URL is set) and every migration is applied. 200 or 503 with a small
  JSON body naming the failed check (never the error's text, which may hold a host name).

Both are answered by HealthCheckMiddleware, first in MIDDLEWARE, before anything that would
read a session, look up the utility's profile in the database, check the Host header or
redirect plain HTTP to HTTPS: a probe speaks plain HTTP to 127.0.0.1:8000.
"""

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

log = logging.getLogger(__name__)

# Once every migration is applied it stays so for the life of the process (new code, and
# with it a new migration, comes with a restart): the migration graph is loaded once.
_migrations_applied = False


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: a bare answer (also the benchmarks' ceiling)."""
    return HttpResponse("ok", content_type="text/plain")


def _check_database() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        # A broken persistent connection is not reused by the next request.
        if not connection.in_atomic_block:
            connection.close()
        raise


def _check_redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def _check_migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migrations not applied")
    _migrations_applied = True


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when every check passes, 503 naming the ones that failed."""
    checks = {"database": _check_database, "migrations": _check_migrations}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    results = {}
    for name, check in checks.items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "unknown"  # needs the database
            continue
        try:
            check()
        except Exception:
            log.exception("readiness check %s failed", name)
            results[name] = "error"
        else:
            results[name] = "ok"
    ready = all(value == "ok" for value in results.values())
    response = JsonResponse({"status": "ok" if ready else "error", "checks": results}, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """Answers the probes before the rest of the middleware runs (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
