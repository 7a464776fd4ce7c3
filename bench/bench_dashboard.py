"""The dashboard's requests per second beside a bare Django view on the same server.

PostgreSQL with the Latvian demo utility (`seed_demo --accounts 200`), the app under gunicorn
with 2 sync workers and production settings (bench.common.serve), 50 connections from wrk.
The ceiling is /healthz, a view that touches neither the database nor a template, measured in
the same run (the machines are noisy; the ratio is the figure to compare between runs).
Each URL is loaded ROUNDS times, alternating, and the median run is recorded.

    make bench                                  # every benchmark
    .venv/bin/python -m bench bench_dashboard   # this one
    BENCH_DURATION=5 BENCH_ROUNDS=1 ...         # a quick look
    BENCH_HISTORY_YEARS=5 ...                   # the demo's year, and four more before it

With BENCH_HISTORY_YEARS above 1 every account gets the years before the demo's: per month
an issued invoice, its ledger entry, a payment of it ten days later, and the meters'
readings (SQL straight into the tables, after seed_demo).
"""

import os
import statistics
import subprocess

from bench.common import PG_URL, http_get, load, login, manage, pg_recreate, record, serve

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "200"))
DURATION = float(os.environ.get("BENCH_DURATION", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = 50
CUSTOMER = ("alice@example.com", "kabinet-demo")  # the demo customer seed_demo creates
HISTORY_YEARS = int(os.environ.get("BENCH_HISTORY_YEARS", "1"))

# The months before each account's first invoice (the demo seeds one year): invoices,
# their ledger entries and payments, and readings going back (never below zero).
HISTORY_SQL = """
CREATE TEMP TABLE past AS
SELECT f.account_id, k, (f.first - make_interval(months => k))::date AS period,
       (f.first - make_interval(months => k) + interval '1 month 9 days')::date AS issued_on,
       (10 + (f.account_id * 7 + k) % 50)::numeric(14, 2) AS amount
FROM (SELECT account_id, MIN(period) AS first FROM billing_invoice GROUP BY account_id) f,
     generate_series(1, :months) k;
INSERT INTO billing_invoice (account_id, period, run_id, year, seq, number, status, issued_on, due_on,
    previous_balance, payments_received, total, vat_total, penalty_total, amount_due, has_estimates)
SELECT account_id, period, NULL, extract(year FROM issued_on), 800000 + row_number() OVER (),
       'H-' || account_id || '-' || k, 'issued', issued_on, issued_on + 15, 0, 0, amount, 0, 0, amount, false
FROM past;
INSERT INTO billing_ledgerentry (account_id, posted_on, created, kind, amount, invoice_id, description)
SELECT account_id, issued_on, now(), 'invoice', total, id, number FROM billing_invoice WHERE number LIKE 'H-%%';
INSERT INTO billing_ledgerentry (account_id, posted_on, created, kind, amount, invoice_id, description)
SELECT account_id, issued_on + 10, now(), 'payment', -total, NULL, 'H' FROM billing_invoice WHERE number LIKE 'H-%%';
INSERT INTO meters_reading (meter_id, period, value, entered_value, consumption, taken_at, created, source, status,
    reason, reason_text, entered_by_id, replaces_id, confirmed, flag)
SELECT r.meter_id, (r.period - make_interval(months => k))::date, GREATEST(r.value - k * 3, 0), '', NULL,
       now(), now(), 'file', 'accepted', '', '', NULL, NULL, false, ''
FROM (SELECT DISTINCT ON (meter_id) meter_id, period, value FROM meters_reading
      WHERE status = 'accepted' ORDER BY meter_id, period) r, generate_series(1, :months) k;
VACUUM ANALYZE billing_invoice;
VACUUM ANALYZE billing_ledgerentry;
VACUUM ANALYZE meters_reading;
"""


def history_add(url: str, years: int) -> None:
    if years > 1:
        sql = HISTORY_SQL.replace(":months", str(12 * (years - 1))).replace("%%", "%")
        subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1"], input=sql, text=True, check=True)


def median_run(runs):
    return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


def main() -> None:
    url = pg_recreate(PG_URL)
    manage("migrate", "--noinput", "-v", "0", database_url=url)
    manage("seed_demo", "--accounts", str(ACCOUNTS), database_url=url)
    history_add(url, HISTORY_YEARS)

    with serve(url) as base:
        cookie = login(base, *CUSTOMER)
        status, _headers, page = http_get(f"{base}/", headers={"Cookie": cookie})
        if status != 200 or b'id="meters-h"' not in page:
            raise RuntimeError(f"the dashboard answered {status} for {CUSTOMER[0]}, not the dashboard page")
        print(
            f"dashboard for {CUSTOMER[0]}: HTTP 200, {len(page):,} bytes, {HISTORY_YEARS} year(s) of history",
            flush=True,
        )

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
        "history_years": HISTORY_YEARS,
        "database": "postgresql",
    }
    record("healthz.rps", h.rps, "req/s", extra={**setup, "p50_ms": h.p50_ms, "p99_ms": h.p99_ms, "errors": h.errors})
    record(
        "dashboard.rps",
        d.rps,
        "req/s",
        ceiling=h.rps,
        target=">= 10 % of the bare view, the same number of queries whatever the history",
        extra={**setup, "p50_ms": d.p50_ms, "p99_ms": d.p99_ms, "errors": d.errors, "page_bytes": len(page)},
    )
    record("dashboard.p50", statistics.median(r.p50_ms for r in dashboard), "ms", extra=setup)
    record(
        "dashboard.p99", statistics.median(r.p99_ms for r in dashboard), "ms", target="< 250 ms at -c50", extra=setup
    )
