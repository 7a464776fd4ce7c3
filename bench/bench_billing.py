"""Billing run benchmark.

Generates N accounts (two meters each: cold and hot water, 12 months of readings per
year of history, 10 % without a current reading; sewerage billed on their volume), and
for every month of history before the period an issued invoice, its ledger entry and a
payment (a tenth of the accounts pay part of it: they carry a debt); bills one period
and prints accounts per second. In the same run it measures the ceiling: COPY of the
same number of invoice and line rows (same shapes) into the same tables.

    python -m bench bench_billing                       # PostgreSQL 1,000,000 + SQLite 100,000
    BENCH_BILLING_PG=200000 BENCH_BILLING_SQLITE=0 python -m bench bench_billing
    BENCH_HISTORY_YEARS=5 ...                           # 5 years of readings and ledger (default 1)
    BENCH_BILLING_DB=kabinet_billing_mine ...           # another PostgreSQL database name

Each database runs in its own subprocess (Django settings are per process).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench.common import PG_URL, ROOT, manage, pg_recreate, record

PERIOD = dt.date(2026, 10, 1)
HISTORY_YEARS = int(os.environ.get("BENCH_HISTORY_YEARS", "1"))
HISTORY = 12 * HISTORY_YEARS - 1  # months before the period; with the period itself: 12 a year
PARTIAL_PAYERS = 0.10  # pay part of each invoice: a debt that grows with the history
MISSING = 0.10
PG_N = int(os.environ.get("BENCH_BILLING_PG", "1000000"))
SQLITE_N = int(os.environ.get("BENCH_BILLING_SQLITE", "100000"))
PROCESSES = int(os.environ.get("BENCH_BILLING_PROCESSES", "2"))
CHUNK = int(os.environ.get("BENCH_BILLING_CHUNK", "10000"))
BENCH_PG_URL = PG_URL.rsplit("/", 1)[0] + "/" + os.environ.get("BENCH_BILLING_DB", "kabinet_billing_bench")


def main() -> None:
    for db, n in (("pg", PG_N), ("sqlite", SQLITE_N)):
        if n:
            subprocess.run([sys.executable, "-m", "bench.bench_billing", db, str(n)], cwd=ROOT, check=True)


# --- inside the subprocess ----------------------------------------------------------------------


def _setup(db: str) -> str:
    # Production settings: no SQL logging of the debug cursor.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    if db == "pg":
        url = pg_recreate(BENCH_PG_URL)
        os.environ["DATABASE_URL"] = url
    else:
        path = ROOT / "var" / "bench" / "billing.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(path)
        url = ""
    manage("migrate", "--noinput", "-v0", database_url=url or None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")
    import django

    django.setup()
    return url


def _months(n: int) -> list[dt.date]:
    from kabinet.lib.periods import add_months

    return [add_months(PERIOD, -k) for k in range(n, -1, -1)]


def _rows(n: int, rng: random.Random):
    """Yield (table, columns, row iterator factory) for the generated data set."""
    from kabinet.lib.periods import add_months

    ZERO = Decimal("0.00")
    today = dt.date(2025, 1, 1)
    months = _months(HISTORY)

    def buildings():
        for b in range(1, n // 100 + 2):
            yield (b, "Daugavpils", f"Iela {b}", str(b), "")

    created = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    n_customers = min(n, 90000)  # client codes have five digits

    def customers():
        for i in range(1, n_customers + 1):
            yield (i, "person", f"{i:05d}", "Vārds", f"Uzvārds {i}", "", "", "", "", "", "", "lv", created)

    def premises():
        for i in range(1, n + 1):
            yield (i, i // 100 + 1, str(i % 100 + 1), Decimal("52.40"), 1 + i % 4)

    def accounts():
        for i in range(1, n + 1):
            yield (i, f"{i:08d}", (i - 1) % n_customers + 1, i, today, None)

    def meters():
        for i in range(1, n + 1):
            for k, service in ((0, 1), (1, 2)):
                yield (
                    2 * i - 1 + k,
                    i,
                    service,
                    f"M{2 * i - 1 + k}",
                    "",
                    "",
                    "",
                    "",
                    5,
                    3,
                    today,
                    Decimal("0"),
                    None,
                    None,
                    "",
                    "active",
                    None,
                    None,
                    None,
                )

    def readings():
        rid = 0
        now = dt.datetime(2026, 10, 27, 12, 0, tzinfo=dt.UTC)
        for meter in range(1, 2 * n + 1):
            value = Decimal(rng.randint(0, 500))
            missing = rng.random() < MISSING
            for m, month in enumerate(months):
                if m == len(months) - 1 and missing:
                    break
                value += Decimal(rng.randint(0, 9000)) / 1000
                rid += 1
                yield (rid, meter, month, value, "", None, now, now, "file", "accepted", "", "", None, None, False, "")

    def subscriptions():
        for i in range(1, n + 1):
            yield (i, i, 3, today, None)

    # The history before the period: per account and month an issued invoice (posted on
    # its invoice day) and a payment ten days later. Accounts are not open then by the
    # calendar (opened_on is `today`), which changes nothing the run reads of them.
    past = months[:-1]
    amounts = [Decimal(rng.randint(1000, 6000)) / 100 for _ in range(997)]

    def invoices():
        seqs: dict[int, int] = {}
        iid = 0
        for m, month in enumerate(past):
            issued = add_months(month, 1).replace(day=10)
            due = issued.replace(day=25)
            for i in range(1, n + 1):
                iid += 1
                seq = seqs[issued.year] = seqs.get(issued.year, 0) + 1
                total = amounts[(i * 7 + m) % len(amounts)]
                yield (
                    iid, i, month, None, issued.year, seq, f"{issued.year}-{seq:06d}", "issued", issued, due,
                    ZERO, ZERO, total, ZERO, ZERO, total, (i + m) % 10 == 0,
                )  # fmt: skip

    def ledger():
        eid = iid = 0
        created = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        for m, month in enumerate(past):
            issued = add_months(month, 1).replace(day=10)
            paid_on = issued.replace(day=20)
            for i in range(1, n + 1):
                iid += 1
                total = amounts[(i * 7 + m) % len(amounts)]
                paid = (total / 2).quantize(Decimal("0.01")) if i % 10 < PARTIAL_PAYERS * 10 else total
                eid += 2
                yield (eid - 1, i, issued, created, "invoice", total, iid, "")
                yield (eid, i, paid_on, created, "payment", -paid, None, "")

    return [
        ("customers_building", "id, city, street, house, postcode", buildings),
        (
            "customers_customer",
            "id, kind, client_code, first_name, last_name, organisation_name, registration_number, vat_number,"
            " email, phone, postal_address, language, created",
            customers,
        ),
        ("customers_premises", "id, building_id, apartment, area, residents", premises),
        ("customers_account", "id, number, customer_id, premises_id, opened_on, closed_on", accounts),
        (
            "meters_meter",
            "id, premises_id, service_id, serial_number, model, location_lv, location_ru, location_en,"
            " digits_before_point, digits_after_point, installed_on, initial_reading, verified_on, verification_due,"
            " seal_number, status, removed_on, final_reading, replaced_by_id",
            meters,
        ),
        (
            "meters_reading",
            "id, meter_id, period, value, entered_value, consumption, taken_at, created, source, status, reason,"
            " reason_text, entered_by_id, replaces_id, confirmed, flag",
            readings,
        ),
        ("billing_subscription", "id, account_id, service_id, valid_from, valid_to", subscriptions),
        (
            "billing_invoice",
            "id, account_id, period, run_id, year, seq, number, status, issued_on, due_on, previous_balance,"
            " payments_received, total, vat_total, penalty_total, amount_due, has_estimates",
            invoices,
        ),
        # AccountBalance is filled by the ledger's triggers (ENABLE ALWAYS: replica mode
        # leaves them on), as for any other writer.
        ("billing_ledgerentry", "id, account_id, posted_on, created, kind, amount, invoice_id, description", ledger),
    ]


def _services() -> None:
    from kabinet.billing.models import Tariff
    from kabinet.utility.models import Service, UtilityProfile

    UtilityProfile(pk=1, name="Bench", short_name="Bench", currency="EUR", languages="lv,ru,en").save()
    cold = Service.objects.create(
        id=1, code="cold_water", name_lv="A", name_ru="Х", name_en="Cold", unit="m3", vat_rate=21
    )
    hot = Service.objects.create(
        id=2, code="hot_water", name_lv="K", name_ru="Г", name_en="Hot", unit="m3", vat_rate=21
    )
    sewer = Service.objects.create(
        id=3, code="sewerage", name_lv="S", name_ru="В", name_en="Sewer", unit="m3", vat_rate=21
    )
    sewer.volume_of.set([cold, hot])
    for service, price in ((cold, "1.20"), (hot, "4.50"), (sewer, "0.90")):
        Tariff.objects.create(service=service, price=Decimal(price), vat_rate=21, valid_from=dt.date(2020, 1, 1))


def _generate_pg(n: int) -> float:
    from django.db import connection

    rng = random.Random(42)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute("SET session_replication_role = replica")  # no FK triggers while loading
        # Indexes are built once after the load (those behind a constraint stay).
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i"
            " WHERE tablename IN ('meters_reading', 'billing_invoice', 'billing_ledgerentry')"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for table, columns, rows in _rows(n, rng):
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in (
            "customers_account",
            "customers_premises",
            "meters_meter",
            "meters_reading",
            "billing_subscription",
            "billing_invoice",
            "billing_ledgerentry",
            "billing_accountbalance",
        ):
            # VACUUM too: a real database's readings of past months have long been vacuumed
            # (all-visible); left to autovacuum, 24 million fresh rows would be vacuumed
            # while the run is measured.
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        for table in (
            "customers_building",
            "customers_customer",
            "customers_premises",
            "customers_account",
            "meters_meter",
            "meters_reading",
            "billing_subscription",
            "billing_invoice",
            "billing_ledgerentry",
        ):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        # The generator's writes reach the disk now, not while the run is measured.
        cursor.execute("CHECKPOINT")
    return time.perf_counter() - started


def _generate_sqlite(n: int) -> float:
    from django.db import connection, transaction

    rng = random.Random(42)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in _rows(n, rng):
            marks = ", ".join(["%s"] * len(columns.split(",")))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows()))
    return time.perf_counter() - started


def _ceiling_pg(n_invoices: int, lines_per_invoice: float, sample_details: list[str]) -> float:
    """COPY the same number of invoice and line rows into the same tables (another
    period, so the constraints see new rows), in the same shapes; seconds."""
    from django.db import connection, transaction

    from kabinet.billing import runs

    period = dt.date(2030, 1, 1)
    lines_total = round(n_invoices * lines_per_invoice)
    per = lines_total // n_invoices
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{runs.T_INVOICE}', 'id')) FROM generate_series(1, %s)",
            [n_invoices],
        )
        ids = [row[0] for row in cursor.fetchall()]
        money = Decimal("12.34")
        with raw.copy(f"COPY {runs.T_INVOICE} ({', '.join(runs.INVOICE_COLUMNS)}) FROM STDIN") as copy:
            for k, invoice_id in enumerate(ids):
                copy.write_row(
                    (
                        invoice_id,
                        k + 1,
                        period,
                        None,
                        2030,
                        "draft",
                        period,
                        period,
                        money,
                        money,
                        money,
                        money,
                        Decimal("0.00"),
                        money,
                        False,
                    )
                )
        with raw.copy(f"COPY {runs.T_LINE} ({', '.join(runs.LINE_COLUMNS)}) FROM STDIN") as copy:
            for k, invoice_id in enumerate(ids):
                for j in range(per):
                    copy.write_row(
                        (
                            invoice_id,
                            "charge",
                            1,
                            "metered",
                            "",
                            Decimal("12.5000"),
                            "m3",
                            Decimal("1.20000"),
                            Decimal("15.00"),
                            Decimal("21.00"),
                            Decimal("3.15"),
                            Decimal("18.15"),
                            sample_details[(k + j) % len(sample_details)],
                        )
                    )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def _ceiling_sqlite(n_invoices: int, lines_per_invoice: float, sample_details: list[str]) -> float:
    from django.db import connection, transaction

    from kabinet.billing import runs

    period = dt.date(2030, 1, 1)
    per = round(n_invoices * lines_per_invoice) // n_invoices
    money = Decimal("12.34")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {runs.T_INVOICE} ({', '.join(runs.INVOICE_COLUMNS)})"
            f" VALUES ({', '.join(['%s'] * len(runs.INVOICE_COLUMNS))})",
            [
                (
                    10**9 + k,
                    k + 1,
                    period,
                    None,
                    2030,
                    "draft",
                    period,
                    period,
                    money,
                    money,
                    money,
                    money,
                    Decimal("0.00"),
                    money,
                    False,
                )
                for k in range(n_invoices)
            ],
        )
        cursor.executemany(
            f"INSERT INTO {runs.T_LINE} ({', '.join(runs.LINE_COLUMNS)})"
            f" VALUES ({', '.join(['%s'] * len(runs.LINE_COLUMNS))})",
            [
                (
                    10**9 + k,
                    "charge",
                    1,
                    "metered",
                    "",
                    Decimal("12.5000"),
                    "m3",
                    Decimal("1.20000"),
                    Decimal("15.00"),
                    Decimal("21.00"),
                    Decimal("3.15"),
                    Decimal("18.15"),
                    sample_details[(k + j) % len(sample_details)],
                )
                for k in range(n_invoices)
                for j in range(per)
            ],
        )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def run(db: str, n: int) -> None:
    url = _setup(db)
    _services()
    generated = _generate_pg(n) if db == "pg" else _generate_sqlite(n)
    print(
        f"{db}: generated {n:,} accounts, {2 * n:,} meters, ~{int(2 * n * (HISTORY + 1 - MISSING)):,} readings,"
        f" {n * HISTORY:,} past invoices and {2 * n * HISTORY:,} ledger entries ({HISTORY_YEARS} year(s) of history)"
        f" in {generated:.1f} s",
        flush=True,
    )

    started = time.perf_counter()
    args = ["bill_period", f"{PERIOD:%Y-%m}", "--chunk-size", str(CHUNK)]
    if db == "pg":
        args += ["--processes", str(PROCESSES)]
    manage(*args, database_url=url or None)
    billed = time.perf_counter() - started

    from kabinet.billing.models import BillingRun, Invoice, InvoiceLine

    billing_run = BillingRun.objects.get(period=PERIOD)
    invoices = Invoice.objects.filter(run=billing_run).count()
    lines = InvoiceLine.objects.filter(invoice__run=billing_run).count()
    details = [
        json.dumps(d)
        for d in InvoiceLine.objects.filter(invoice__run=billing_run).values_list("details", flat=True)[:1000]
    ]
    methods = billing_run.summary.get("methods")
    ceiling_seconds = (_ceiling_pg if db == "pg" else _ceiling_sqlite)(invoices, lines / invoices, details)

    rate = n / billed
    ceiling = n / ceiling_seconds
    target = "1,000,000 accounts < 60 s and ≥ 1/4 of the COPY ceiling" if db == "pg" else "100,000 accounts < 15 s"
    record(
        f"billing_run_{db}",
        rate,
        "accounts/s",
        ceiling=ceiling,
        target=target,
        extra={
            "accounts": n,
            "history_years": HISTORY_YEARS,
            "seconds": round(billed, 2),
            "invoices": invoices,
            "lines": lines,
            "ceiling_seconds": round(ceiling_seconds, 2),
            "processes": PROCESSES if db == "pg" else 1,
            "chunk": CHUNK,
            "methods": methods,
        },
    )
    print(
        f"{db}: billed {n:,} accounts with {HISTORY_YEARS} year(s) of history"
        f" ({invoices:,} invoices, {lines:,} lines) in {billed:.1f} s;"
        f" COPY of the same rows {ceiling_seconds:.1f} s; methods {methods}",
        flush=True,
    )


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]))
