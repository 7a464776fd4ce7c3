"""Import a camt.053 with 100,000 credit transfers for 100,000 accounts on PostgreSQL.

Prints the matched transactions per second of the whole import (upload + parse + match +
post, one transaction) and, measured in the same run, the time to merely parse the file:
the ceiling the database work is compared with. Target: under 20 s and within 4× of the
parse time. The accounts are matched half by RF reference, half by the account number in
the free text; 1% match nothing and go to the queue.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kabinet_payments_bench \\
        .venv/bin/python -m bench bench_payments_import
"""

import datetime as dt
import os
import statistics
import time

from bench.common import manage, pg_recreate, record

N = int(os.environ.get("BENCH_PAYMENTS_N", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
URL = os.environ.get("BENCH_PAYMENTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kabinet_payments_bench")


def _setup_django():
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")
    import django

    django.setup()


def _seed_accounts(n: int) -> None:
    """Customers, buildings, premises and accounts by COPY (the fixture, not measured)."""
    from django.db import connection, transaction

    now = dt.datetime.now(dt.UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY customers_customer (id, kind, client_code, first_name, last_name, organisation_name, "
            "registration_number, vat_number, email, phone, postal_address, language, created) FROM STDIN"
        ) as copy:
            for i in range(n):
                copy.write_row(
                    [i + 1, "person", f"{i:05d}", "Bench", f"Customer {i}", "", "", "", "", "", "", "lv", now]
                )
        buildings = n // 100 + 1
        with raw.copy("COPY customers_building (id, city, street, house, postcode) FROM STDIN") as copy:
            for b in range(buildings):
                copy.write_row([b + 1, "Daugavpils", "Bench iela", str(b + 1), ""])
        with raw.copy("COPY customers_premises (id, building_id, apartment, area, residents) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row([i + 1, i // 100 + 1, str(i % 100 + 1), "50.00", 2])
        with raw.copy(
            "COPY customers_account (id, number, customer_id, premises_id, opened_on, closed_on) FROM STDIN"
        ) as copy:
            for i in range(n):
                copy.write_row([i + 1, f"{500000 + i}", i + 1, i + 1, dt.date(2020, 1, 1), None])
        for table in ("customers_customer", "customers_building", "customers_premises", "customers_account"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _statement(n: int, run: int) -> bytes:
    from kabinet.lib.reference import rf_reference
    from kabinet.lib.tests.statement_builders import Tx, camt053

    txs = []
    for i in range(n):
        number = f"{500000 + i}"
        amount = f"{10 + i % 50}.{i % 100:02d}"
        iban = f"LV{i % 90 + 10:02d}BENC{i:013d}"  # every payer has an account of their own
        if i % 100 == 99:
            txs.append(Tx(f"R{run}-{i:07d}", "12.34", text="par ūdeni", iban=f"LV00NONE{i:013d}"))
        elif i % 2:
            txs.append(Tx(f"R{run}-{i:07d}", amount, structured=rf_reference(number), iban=iban))
        else:
            txs.append(Tx(f"R{run}-{i:07d}", amount, text=f"Konts {number}, oktobris", iban=iban))
    return camt053(txs)


def main() -> None:
    pg_recreate(URL)
    manage("migrate", "--noinput", "-v", "0", database_url=URL)
    _setup_django()
    from django.db import connection

    from kabinet.lib.statements import parse_camt
    from kabinet.payments.models import Payment
    from kabinet.payments.services import statement_import
    from kabinet.test import make_utility

    make_utility("lv")
    started = time.perf_counter()
    _seed_accounts(N)
    print(f"seeded {N:,} accounts in {time.perf_counter() - started:.1f} s", flush=True)

    parse_times, import_times = [], []
    for run in range(RUNS):
        data = _statement(N, run)
        t0 = time.perf_counter()
        parsed = parse_camt(data)
        parse_times.append(time.perf_counter() - t0)
        assert len(parsed) == N
        del parsed
        t0 = time.perf_counter()
        statement = statement_import(data=data, file_name=f"bench-{run}.xml", notify=True)
        import_times.append(time.perf_counter() - t0)
        assert statement.matched == N - N // 100, statement.matched
        print(
            f"run {run + 1}: {len(data) / 1e6:.0f} MB, parse {parse_times[-1]:.2f} s, "
            f"import+match+post {import_times[-1]:.2f} s ({statement.matched:,} matched, "
            f"{statement.unmatched:,} queued)",
            flush=True,
        )
    # Re-importing the last file posts nothing (idempotence at scale).
    t0 = time.perf_counter()
    again = statement_import(data=data, file_name="bench-again.xml")
    assert again.matched == 0 and again.duplicates == N - N // 100 + N // 100
    reimport = time.perf_counter() - t0
    assert Payment.objects.count() == RUNS * N
    connection.close()

    parse = statistics.median(parse_times)
    total = statistics.median(import_times)
    matched = N - N // 100
    record(
        "payments_import_camt053_matched_per_s",
        matched / total,
        "tx/s",
        ceiling=matched / parse,
        target="whole import < 20 s and < 4x the parse time",
        extra={
            "n": N,
            "import_s": round(total, 2),
            "parse_s": round(parse, 2),
            "ratio_to_parse": round(total / parse, 2),
        },
    )
    record("payments_import_camt053_seconds", total, "s", target="< 20 s")
    record("payments_import_camt053_parse_seconds", parse, "s")
    record("payments_import_camt053_reimport_seconds", reimport, "s", target="posts nothing")
    print(f"import/parse = {total / parse:.2f}x (target < 4x); whole import {total:.1f} s (target < 20 s)")
