"""Observability: what an operator sees of a running Kabinet (README, "Observability").

- Metrics (`metrics.py`): django-prometheus counts requests and database queries in every
  process; the domain's own gauges (readings of the period, the outbox, unmatched payments,
  billing runs, the Celery queue) are computed when /metrics is scraped, by one process, from
  a handful of queries (`selectors.py`). /metrics answers a bearer token or an allowed address.
- Logs (`logs.py`, `request_id.py`, `middleware.py`): one line per record, JSON in production,
  each carrying the id of the request it belongs to, also in the Celery tasks the request
  queued.
- Errors (`sentry.py`): Sentry's SDK, only when SENTRY_DSN is set.

The low modules (`request_id`, `logs`, `jobs`) import nothing of the domain, so any app may
use them (the failed-job alert counts through `jobs`); `selectors` and `metrics` read every
app and are imported by nothing but the URL conf.
"""
