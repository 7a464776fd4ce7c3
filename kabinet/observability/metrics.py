"""/metrics for Prometheus: django-prometheus' request and database metrics, and the domain's
own gauges.

Processes. gunicorn runs several workers; each counts its own requests. With
PROMETHEUS_MULTIPROC_DIR set (the web unit sets it; it must be an empty directory at each
start, which systemd's RuntimeDirectory gives), prometheus_client writes every worker's
counters to files there, and whichever worker answers the scrape adds them up. The domain
gauges are not kept in any process: `DomainCollector` computes them during the scrape, in
the answering worker only, so they appear once however many workers there are. Its database
numbers are cached in the shared cache for METRICS_CACHE_SECONDS, so two Prometheus servers
(or a fast scrape interval) do not repeat the queries.

Access. /metrics is not public (it tells how busy the utility is and how much money waits
for assignment): a request passes with `Authorization: Bearer <METRICS_TOKEN>`, or without
an Authorization header from an address in METRICS_ALLOWED_IPS (loopback by default: a
Prometheus or agent on the same host scraping 127.0.0.1:8000). A wrong token is refused from
any address. nginx passes /metrics only with an Authorization header (deploy/nginx.conf):
behind it every request comes from 127.0.0.1.

It is answered by MetricsMiddleware, early in MIDDLEWARE like the health probes: a scrape of
127.0.0.1:8000 names a host that ALLOWED_HOSTS need not list and speaks plain HTTP, and it
should neither read a session nor count as a request.
"""

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotAllowed
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from kabinet.customers.throttle import client_ip
from kabinet.lib.job_failures import job_failures
from kabinet.meters.models import ReadingSource, ReadingStatus
from kabinet.notifications.models import Channel
from kabinet.observability.selectors import DomainSnapshot, domain_snapshot

log = logging.getLogger(__name__)

PATH = "/metrics"
SNAPSHOT_KEY = "observability:domain-snapshot"
# kombu's Redis transport keeps a queue's messages of priority p > 0 under "<queue>\x06\x16<p>".
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


# --- access ---------------------------------------------------------------------------------


def metrics_allowed(*, authorization: str, address: str | None, token: str, allowed: Iterable[str]) -> bool:
    """Whether a scrape may read the metrics (see the module's docstring)."""
    if authorization:
        scheme, _, given = authorization.partition(" ")
        return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            log.warning("METRICS_ALLOWED_IPS: %r is not an address or a network", entry)
    return False


# --- the domain's gauges --------------------------------------------------------------------


def celery_queue_lengths() -> dict[str, int] | None:
    """Messages waiting in each Celery queue, read from the Redis broker in one round trip;
    None when the broker is not Redis or does not answer (the scrape goes on without them)."""
    from kabinet.celery import app

    broker = app.conf.broker_url or ""
    if not broker.startswith(("redis://", "rediss://", "unix://")):
        return None
    import redis

    queues = sorted({app.conf.task_default_queue, *(q.name for q in app.conf.task_queues or ())})
    client = redis.Redis.from_url(broker, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        pipe = client.pipeline(transaction=False)
        for queue in queues:
            pipe.llen(queue)
            for step in _PRIORITY_STEPS:
                pipe.llen(f"{queue}{_PRIORITY_SEPARATOR}{step}")
        lengths = pipe.execute()
    except redis.RedisError as error:
        log.warning("metrics: the Celery broker did not answer (%s); queue lengths left out", error)
        return None
    finally:
        client.close()
    per_queue = 1 + len(_PRIORITY_STEPS)
    return {queue: sum(lengths[i * per_queue : (i + 1) * per_queue]) for i, queue in enumerate(queues)}


def cached_domain_snapshot() -> DomainSnapshot:
    seconds = settings.METRICS_CACHE_SECONDS
    snapshot = cache.get(SNAPSHOT_KEY) if seconds else None
    if snapshot is None:
        snapshot = domain_snapshot()
        if seconds:
            cache.set(SNAPSHOT_KEY, snapshot, seconds)
    return snapshot


def domain_families(snapshot: DomainSnapshot | None, queues: dict[str, int] | None, failures: dict[str, int]):
    """The metric families for what was read (pure: no query, no I/O)."""
    up = GaugeMetricFamily("kabinet_domain_metrics_up", "1 if the database's numbers below could be read.")
    up.add_metric([], 1 if snapshot is not None else 0)
    yield up
    if snapshot is not None:
        period = f"{snapshot.period:%Y-%m}"
        readings = GaugeMetricFamily(
            "kabinet_readings",
            "Readings of the current period by channel and status.",
            labels=["period", "source", "status"],
        )
        for source in ReadingSource.values:
            for status in ReadingStatus.values:
                readings.add_metric([period, source, status], snapshot.readings.get((source, status), 0))
        yield readings
        depth = GaugeMetricFamily("kabinet_outbox_pending", "Messages waiting in the outbox.", labels=["channel"])
        age = GaugeMetricFamily(
            "kabinet_outbox_oldest_pending_age_seconds",
            "How long the oldest message waiting in the outbox has waited (0 when none waits).",
            labels=["channel"],
        )
        for channel in Channel.values:
            count, oldest = snapshot.outbox.get(channel, (0, 0.0))
            depth.add_metric([channel], count)
            age.add_metric([channel], oldest)
        yield depth
        yield age
        yield GaugeMetricFamily(
            "kabinet_payments_unmatched",
            "Payments waiting for staff to assign them.",
            value=snapshot.unmatched_payments,
        )
        yield GaugeMetricFamily(
            "kabinet_payments_unmatched_amount",
            "The sum of the payments waiting for assignment, in the utility's currency.",
            value=float(snapshot.unmatched_amount),
        )
        yield GaugeMetricFamily("kabinet_billing_runs_in_progress", "Billing runs running.", value=len(snapshot.runs))
        total = GaugeMetricFamily(
            "kabinet_billing_run_chunks", "Chunks of a running billing run.", labels=["run", "period"]
        )
        done = GaugeMetricFamily(
            "kabinet_billing_run_chunks_done",
            "Chunks of a running billing run already billed.",
            labels=["run", "period"],
        )
        for run in snapshot.runs:
            labels = [str(run.run_id), f"{run.period:%Y-%m}"]
            total.add_metric(labels, run.chunks_total)
            done.add_metric(labels, run.chunks_done)
        yield total
        yield done
    if queues is not None:
        queue = GaugeMetricFamily("kabinet_celery_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"])
        for name, length in sorted(queues.items()):
            queue.add_metric([name], length)
        yield queue
    failed = CounterMetricFamily(
        "kabinet_periodic_job_failures", "Runs of a periodic job (CELERY_BEAT_SCHEDULE) that raised.", labels=["task"]
    )
    for task, count in sorted(failures.items()):
        failed.add_metric([task], count)
    yield failed


class DomainCollector:
    """Registered in a registry built for each scrape, never in a process-wide one."""

    def collect(self):
        started = time.perf_counter()
        try:
            snapshot = cached_domain_snapshot()
        except Exception:
            log.exception("metrics: the domain's numbers could not be read")
            snapshot = None
        queues = celery_queue_lengths()
        jobs = sorted({entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()})
        try:
            failures = job_failures(jobs)
        except Exception:
            log.exception("metrics: the failed jobs' counts could not be read")
            failures = {}
        yield from domain_families(snapshot, queues, failures)
        yield GaugeMetricFamily(
            "kabinet_domain_metrics_seconds",
            "Time spent reading the domain's numbers.",
            value=time.perf_counter() - started,
        )


# --- the exposition -------------------------------------------------------------------------


def metrics_text() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY  # one process: its own counters, plus its CPU, memory and GC
    domain = CollectorRegistry(auto_describe=False)
    domain.register(DomainCollector())
    return generate_latest(processes) + generate_latest(domain)


def metrics(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    allowed = metrics_allowed(
        authorization=request.headers.get("Authorization", ""),
        address=client_ip(request),
        token=settings.METRICS_TOKEN,
        allowed=settings.METRICS_ALLOWED_IPS,
    )
    if not allowed:
        return HttpResponseForbidden("forbidden\n", content_type="text/plain")
    response = HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


class MetricsMiddleware:
    """Answers /metrics before host checks, HTTPS redirects and sessions (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH:
            return metrics(request)
        return self.get_response(request)
