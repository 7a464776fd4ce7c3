"""Database size per 100,000 accounts and year of history (README, "Scaling").

Builds a year of a water utility on PostgreSQL with bench_billing's generator (N accounts,
two meters each, 12 months of readings; sewerage on their volume), then bills, publishes
and pays each of the 12 months as the utility would (billing_run + billing_run_publish:
invoices, lines, ledger; one bank payment per invoice with its ledger entry, written
set-based here as a statement import would), VACUUMs, and measures every table with its
indexes and TOAST. The growth over the freshly migrated database, divided by N, is the
size of one account-year; the figure recorded is that × 100,000 (linear: every row here is
per account and month, nothing is shared between accounts but a few reference rows).

    python -m bench bench_db_size                        # 20,000 accounts
    BENCH_DB_SIZE_ACCOUNTS=100000 python -m bench bench_db_size

The database is left in place afterwards (kabinet_db_size_bench) for a look with psql.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.common import PG_URL, ROOT, manage, pg_recreate, record

N = int(os.environ.get("BENCH_DB_SIZE_ACCOUNTS", "20000"))
SCALE = 100_000
URL = PG_URL.rsplit("/", 1)[0] + "/kabinet_db_size_bench"
CHUNK = 10_000


def main() -> None:
    # Its own process: Django's settings are configured once per process.
    subprocess.run([sys.executable, "-m", "bench.bench_db_size", str(N)], cwd=ROOT, check=True)


# --- inside the subprocess ----------------------------------------------------------------------


def _sizes() -> dict[str, int]:
    """Bytes per table (heap + indexes + TOAST), and the whole database under "(database)"."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname = current_schema()"
        )
        sizes = dict(cursor.fetchall())
        cursor.execute("SELECT pg_database_size(current_database())")
        sizes["(database)"] = cursor.fetchone()[0]
    return sizes


def _rows(tables: list[str]) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # nosec B608  # our own table names
            counts[table] = cursor.fetchone()[0]
    return counts


def _pay(run_id: int) -> int:
    """Every invoice of the run paid in full on its due day by bank transfer: the payment
    and its ledger entry, as the statement import writes them (set-based here)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "WITH inv AS (SELECT id, account_id, amount_due, due_on, number FROM billing_invoice"
            " WHERE run_id = %s AND amount_due > 0),"
            " e AS (INSERT INTO billing_ledgerentry (account_id, posted_on, created, kind, amount, description)"
            " SELECT account_id, due_on, now(), 'payment', -amount_due, 'BANK-' || id FROM inv"
            " RETURNING id, description)"
            " INSERT INTO payments_payment (account_id, invoice_id, ledger_entry_id, amount, paid_on, created,"
            " channel, status, external_id, end_to_end_id, payer_name, payer_iban, purpose, match_reason, method,"
            " reversal_ref)"
            " SELECT inv.account_id, inv.id, e.id, inv.amount_due, inv.due_on, now(), 'bank', 'registered',"
            " e.description, 'E2E' || lpad(inv.id::text, 12, '0'), 'Vārds Uzvārds', 'LV80BANK0000435195001',"
            " 'Rēķins ' || inv.number || ', līguma nr. ' || inv.account_id, 'invoice number', '', ''"
            " FROM inv JOIN e ON e.description = 'BANK-' || inv.id",
            [run_id],
        )
        paid = cursor.rowcount
    return paid


def run(n: int) -> None:
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.pop("REDIS_URL", None)  # the runs are billed in this process
    os.environ["DATABASE_URL"] = pg_recreate(URL)
    manage("migrate", "--noinput", "-v0", database_url=URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")
    import django

    django.setup()
    from django.db import connection

    from bench import bench_billing
    from kabinet.billing.services import billing_run, billing_run_publish

    baseline = _sizes()
    bench_billing._services()
    started = time.perf_counter()
    bench_billing._generate_pg(n)
    months = bench_billing._months(bench_billing.HISTORY)
    for period in months:
        billed = billing_run(period=period, chunk_size=CHUNK)
        billing_run_publish(run=billed, actor=None)
        _pay(billed.pk)
        print(f"{period:%Y-%m}: {billed.invoice_count:,} invoices", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # the steady state: no dead rows, visibility maps set
    built = time.perf_counter() - started

    sizes = _sizes()
    grown = {t: sizes[t] - baseline.get(t, 0) for t in sizes if sizes[t] - baseline.get(t, 0) > 64 * 1024}
    tables = sorted((t for t in grown if t != "(database)"), key=lambda t: -grown[t])
    rows = _rows(tables)
    per_account = grown["(database)"] / n
    readings_per_month = rows.get("meters_reading", 0) / len(months)
    print(f"\n{n:,} accounts, {len(months)} months, built in {built:.0f} s; growth per table:", flush=True)
    print(f"{'table':32} {'rows':>12} {'MB':>9} {'bytes/row':>10} {f'GB per {SCALE:,}':>14}")
    for table in tables:
        per_row = grown[table] / rows[table] if rows[table] else 0
        scaled = grown[table] / n * SCALE / 1024**3
        print(f"{table:32} {rows[table]:>12,} {grown[table] / 1024**2:>9.1f} {per_row:>10.0f} {scaled:>14.2f}")
    record(
        "db_size_per_100k_accounts_year",
        per_account * SCALE / 1024**3,
        "GB",
        target="extrapolated linearly from the measured accounts; readme 'Scaling'",
        extra={
            "accounts": n,
            "months": len(months),
            "bytes_per_account_year": round(per_account),
            "readings_per_month": round(readings_per_month),
            "tables_mb": {t: round(grown[t] / 1024**2, 1) for t in tables},
            "rows": rows,
        },
    )


if __name__ == "__main__":
    run(int(sys.argv[1]))
