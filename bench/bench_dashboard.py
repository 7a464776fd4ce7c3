"""The dashboard's requests per second beside a bare Django view on the same server.

PostgreSQL with the Latvian demo utility (`seed_demo --accounts 200`), the app under gunicorn
with 2 sync workers and production settings (bench.common.serve), 50 connections from wrk.
The ceiling is /healthz, a view that touches neither the database nor a template, measured in
the same run (the machines are noisy; the ratio is the figure to compare between runs).
Each URL is loaded ROUNDS times, alternating, and the median run is recorded.

    make bench                                  # every benchmark
    .venv/bin/python -m bench bench_dashboard   # this one
    BENCH_DURATION=5 BENCH_ROUNDS=1 ...         # a quick look
"""

import os
import statistics

from bench.common import PG_URL, http_get, load, login, manage, pg_recreate, record, serve

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "200"))
DURATION = float(os.environ.get("BENCH_DURATION", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = 50
CUSTOMER = ("alice@example.com", "kabinet-demo")  # the demo customer seed_demo creates


def median_run(runs):
    return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


def main() -> None:
    url = pg_recreate(PG_URL)
    manage("migrate", "--noinput", "-v", "0", database_url=url)
    manage("seed_demo", "--accounts", str(ACCOUNTS), database_url=url)

    with serve(url) as base:
        cookie = login(base, *CUSTOMER)
        status, _headers, page = http_get(f"{base}/", headers={"Cookie": cookie})
        if status != 200 or b'id="meters-h"' not in page:
            raise RuntimeError(f"the dashboard answered {status} for {CUSTOMER[0]}, not the dashboard page")
        print(f"dashboard for {CUSTOMER[0]}: HTTP 200, {len(page):,} bytes", flush=True)

        # Warm both: workers import lazily, the utility profile is cached per process.
        load(f"{base}/healthz", connections=CONNECTIONS, duration=2)
        load(f"{base}/", connections=CONNECTIONS, duration=2, cookie=cookie)

        healthz, dashboard = [], []
        for _ in range(ROUNDS):
            healthz.append(load(f"{base}/healthz", connections=CONNECTIONS, duration=DURATION))
            print(f"  {healthz[-1]}", flush=True)
            dashboard.append(load(f"{base}/", connections=CONNECTIONS, duration=DURATION, cookie=cookie))
            print(f"  {dashboard[-1]}", flush=True)

    # wrk counts a redirect to the login page as a success: every response must have been the
    # whole dashboard, not a 302 of a few hundred bytes.
    for run in dashboard:
        if run.bytes_per_request < 0.9 * len(page):
            raise RuntimeError(f"dashboard responses averaged {run.bytes_per_request:.0f} bytes, page is {len(page)}")
        if run.non_2xx:
            raise RuntimeError(f"dashboard: {run.non_2xx} HTTP errors in {run.requests} requests")

    h, d = median_run(healthz), median_run(dashboard)
    setup = {
        "server": "gunicorn sync",
        "workers": int(os.environ.get("BENCH_WORKERS", "2")),
        "connections": CONNECTIONS,
        "duration_s": DURATION,
        "rounds": ROUNDS,
        "accounts": ACCOUNTS,
        "database": "postgresql",
    }
    record("healthz.rps", h.rps, "req/s", extra={**setup, "p50_ms": h.p50_ms, "p99_ms": h.p99_ms, "errors": h.errors})
    record(
        "dashboard.rps",
        d.rps,
        "req/s",
        ceiling=h.rps,
        target=">= 300 req/s (PERFORMANCE.md: a 3-query page with persistent connections, 300-540)",
        extra={**setup, "p50_ms": d.p50_ms, "p99_ms": d.p99_ms, "errors": d.errors, "page_bytes": len(page)},
    )
    record("dashboard.p50", statistics.median(r.p50_ms for r in dashboard), "ms", extra=setup)
    record(
        "dashboard.p99", statistics.median(r.p99_ms for r in dashboard), "ms", target="< 250 ms at -c50", extra=setup
    )
