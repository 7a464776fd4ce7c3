"""How many times each periodic job has failed: the counter behind
`kabinet_periodic_job_failures_total{task=...}`.

Kept in the shared cache (Redis in production) rather than in a prometheus_client Counter:
the failure happens in a Celery worker, /metrics is answered by a gunicorn worker, and the
two do not share a process or prometheus_client's multiprocess directory. The cache also
keeps the count across restarts; a Redis flush resets it, which Prometheus reads as a
counter reset like any other.
"""

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)

_KEY = "observability:job-failures:{}"


def job_failure_count(job: str) -> None:
    """Add one failure of `job`. Never raises: it runs inside Celery's failure hook, and the
    cache may be what failed."""
    key = _KEY.format(job)
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key)
    except Exception:
        log.warning("could not count the failure of %s", job, exc_info=True)


def job_failures(jobs: list[str]) -> dict[str, int]:
    """The failures counted for each of `jobs` (0 for those that never failed): one cache read."""
    found = cache.get_many([_KEY.format(job) for job in jobs])
    return {job: int(found.get(_KEY.format(job)) or 0) for job in jobs}
