"""The back office's reports over 100,000 accounts on PostgreSQL, against their target:
each report and each export of it under 2 s.

The data: 100,000 accounts in 1,000 buildings on 20 streets, two meters each, six months
of invoices (two lines each), the ledger, about 540,000 payments (a tenth of the accounts
never pays, a tenth pays half: debts of every age), penalties, a few reversals, October's
readings by five channels over the window's days. Generated set-based (INSERT … SELECT
over generate_series), then VACUUM ANALYZE, as a real database's past months are.

    .venv/bin/python -m bench bench_reports
    BENCH_REPORTS_ACCOUNTS=20000 .venv/bin/python -m bench bench_reports   # a quick look

Prints, per report: the query, the page (the view, rendered), the CSV and the XLSX export
(each with its query), in seconds, with the number of rows; and, as the machine's floor
in the same run, one GROUP BY pass over the ledger with the load average (on a shared,
loaded machine every figure grows with it).
"""

import datetime as dt
import os
import statistics
import time

from bench.common import PG_URL, manage, pg_recreate, record

N = int(os.environ.get("BENCH_REPORTS_ACCOUNTS", "100000"))
ROUNDS = int(os.environ.get("BENCH_REPORTS_ROUNDS", "3"))
TARGET = 2.0  # seconds, each report and each export
URL = PG_URL.rsplit("/", 1)[0] + "/kabinet_reports_bench"
PERIOD = dt.date(2026, 10, 1)
TODAY = dt.date(2026, 10, 31)
MONTHS = ["2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"]


def _setup() -> None:
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    pg_recreate(URL)
    os.environ["DATABASE_URL"] = URL
    manage("migrate", "--noinput", "-v0", database_url=URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")
    import django

    django.setup()


def _seed(n: int) -> float:
    from django.db import connection

    from kabinet.payments.models import StatementFormat, StatementImport, StatementStatus
    from kabinet.utility.models import Service, UtilityProfile

    started = time.perf_counter()
    UtilityProfile(pk=1, name="Bench", short_name="Bench", currency="EUR", languages="lv,ru,en").save()
    Service.objects.create(id=1, code="cold_water", name_lv="A", name_ru="Х", name_en="Cold", unit="m3", vat_rate=21)
    Service.objects.create(id=2, code="hot_water", name_lv="K", name_ru="Г", name_en="Hot", unit="m3", vat_rate=21)
    # One bank file a day.
    StatementImport.objects.bulk_create(
        StatementImport(
            id=k + 1,
            file_name=f"statement-{day:%Y-%m-%d}.xml",
            sha256=f"{k:064d}",
            format=StatementFormat.CAMT,
            status=StatementStatus.POSTED,
            content=b"",
        )
        for k, day in enumerate(dt.date(2026, 5, 1) + dt.timedelta(days=i) for i in range(184))
    )
    months = ", ".join(f"({k}, DATE '{m}')" for k, m in enumerate(MONTHS))
    sql = [
        f"""INSERT INTO customers_building (id, city, street, house, postcode)
            SELECT b, 'Daugavpils', 'Iela ' || (b % 20), b::text, '' FROM generate_series(1, {n // 100 + 1}) b""",
        f"""INSERT INTO customers_customer (id, kind, client_code, first_name, last_name, organisation_name,
                registration_number, vat_number, email, phone, postal_address, language, created)
            SELECT i, 'person', lpad(i::text, 5, '0'), 'Vārds', 'Uzvārds ' || i, '', '', '', '', '', '', 'lv', now()
            FROM generate_series(1, {min(n, 90000)}) i""",
        f"""INSERT INTO customers_premises (id, building_id, apartment, area, residents)
            SELECT i, (i - 1) / 100 + 1, ((i - 1) % 100 + 1)::text, 52.40, 1 + i % 4 FROM generate_series(1, {n}) i""",
        f"""INSERT INTO customers_account (id, number, customer_id, premises_id, opened_on, closed_on)
            SELECT i, lpad(i::text, 8, '0'), (i - 1) % {min(n, 90000)} + 1, i, DATE '2025-01-01', NULL
            FROM generate_series(1, {n}) i""",
        f"""INSERT INTO meters_meter (id, premises_id, service_id, serial_number, model, location_lv, location_ru,
                location_en, digits_before_point, digits_after_point, installed_on, initial_reading, verified_on,
                verification_due, seal_number, status, removed_on, final_reading, replaced_by_id)
            SELECT m, (m + 1) / 2, 2 - m % 2, 'M' || m, '', '', '', '', 5, 3, DATE '2025-01-01', 0, NULL, NULL, '',
                'active', NULL, NULL, NULL
            FROM generate_series(1, {2 * n}) m""",
        # October's readings (9 in 10 meters), over the window's days, by five channels.
        f"""INSERT INTO meters_reading (id, meter_id, period, value, entered_value, consumption, taken_at, created,
                source, status, reason, reason_text, entered_by_id, replaces_id, confirmed, flag)
            SELECT m, m, DATE '2026-10-01', 100 + m % 50, '', m % 9, t, t,
                (ARRAY['portal', 'api', 'email', 'sms', 'file'])[m % 5 + 1],
                CASE WHEN m % 50 = 0 THEN 'rejected' ELSE 'accepted' END, '', '', NULL, NULL, false,
                CASE WHEN m % 70 = 0 THEN 'leak' ELSE '' END
            FROM generate_series(1, {2 * n}) m,
                LATERAL (SELECT TIMESTAMPTZ '2026-10-27 08:00+00' + (m % 5) * INTERVAL '1 day'
                    + (m % 600) * INTERVAL '1 minute' AS t) times
            WHERE m % 10 <> 0""",
        # Six months of invoices: cold water (2–8 m³ at 1.20) and hot water (1–3 m³ at 4.50), VAT 21 %.
        f"""CREATE TEMP TABLE bench_lines AS
            SELECT k, period, a AS account_id, k * {n} + a AS invoice_id,
                round((a % 7 + 2) * 1.20, 2) AS a1, round(round((a % 7 + 2) * 1.20, 2) * 0.21, 2) AS v1,
                round((a % 3 + 1) * 4.50, 2) AS a2, round(round((a % 3 + 1) * 4.50, 2) * 0.21, 2) AS v2
            FROM generate_series(1, {n}) a, (VALUES {months}) AS m(k, period)""",
        """INSERT INTO billing_invoice (id, account_id, period, run_id, year, seq, number, status, issued_on, due_on,
                previous_balance, payments_received, total, vat_total, penalty_total, has_estimates, amount_due)
            SELECT invoice_id, account_id, period, NULL, 2026, invoice_id, '26-' || invoice_id, 'issued',
                period + 9, period + 24, 0, 0, a1 + v1 + a2 + v2, v1 + v2, 0, false, a1 + v1 + a2 + v2
            FROM bench_lines""",
        """INSERT INTO billing_invoiceline (invoice_id, kind, service_id, method, description, quantity, unit, price,
                amount, vat_rate, vat, total, details)
            SELECT invoice_id, 'charge', 1, 'metered', 'Cold', account_id % 7 + 2, 'm3', 1.20, a1, 21, v1, a1 + v1,
                '{}'::jsonb FROM bench_lines
            UNION ALL
            SELECT invoice_id, 'charge', 2, CASE WHEN account_id % 10 = 0 THEN 'average' ELSE 'metered' END, 'Hot',
                account_id % 3 + 1, 'm3', 4.50, a2, 21, v2, a2 + v2, '{}'::jsonb FROM bench_lines""",
        """INSERT INTO billing_ledgerentry (id, account_id, posted_on, created, kind, amount, invoice_id, description)
            SELECT invoice_id, account_id, period + 9, now(), 'invoice', a1 + v1 + a2 + v2, invoice_id,
                '26-' || invoice_id
            FROM bench_lines""",
        # Penalties on the last three months for the accounts that never pay.
        f"""INSERT INTO billing_ledgerentry (id, account_id, posted_on, created, kind, amount, invoice_id, description)
            SELECT {6 * n} + invoice_id, account_id, period + 9, now(), 'penalty', 0.10 * k, invoice_id, 'penalty'
            FROM bench_lines WHERE k >= 3 AND account_id % 20 < 2""",
        # Payments: each invoice is paid before its due date (in full, half, or not at all).
        f"""CREATE TEMP TABLE bench_pay AS
            SELECT l.k * {n} + l.account_id AS id, l.account_id, (l.period + 12 + l.account_id % 12)::date AS paid_on,
                CASE WHEN l.account_id % 20 < 4 THEN round((l.a1 + l.v1 + l.a2 + l.v2) / 2, 2)
                     ELSE l.a1 + l.v1 + l.a2 + l.v2 END AS amount,
                (ARRAY['bank', 'bank', 'online', 'cashier'])[l.account_id % 4 + 1] AS channel
            FROM bench_lines l WHERE l.account_id % 20 >= 2""",
        f"""INSERT INTO billing_ledgerentry (id, account_id, posted_on, created, kind, amount, invoice_id, description)
            SELECT {12 * n} + id, account_id, paid_on, now(), 'payment', -amount, NULL, '' FROM bench_pay""",
        f"""INSERT INTO payments_payment (id, account_id, invoice_id, amount, paid_on, created, channel, status,
                external_id, end_to_end_id, payer_name, payer_iban, purpose, match_reason, method, statement_id,
                parent_id, ledger_entry_id, reversal_entry_id, reversal_ref, actor_id)
            SELECT id, account_id, NULL, amount, paid_on, now(), channel, 'registered', '', '', '', '', '', '', '',
                CASE WHEN channel = 'bank' THEN paid_on - DATE '2026-05-01' + 1 END, NULL, {12 * n} + id, NULL, '', NULL
            FROM bench_pay""",
        # A few reversed (returned by the bank) and a few waiting for assignment.
        f"""INSERT INTO billing_ledgerentry (id, account_id, posted_on, created, kind, amount, invoice_id, description)
            SELECT {20 * n} + id, account_id, paid_on + 2, now(), 'reversal', amount, NULL, 'returned'
            FROM bench_pay WHERE id % 997 = 0""",
        f"""UPDATE payments_payment SET status = 'reversed', reversal_entry_id = {20 * n} + id, reversal_ref = 'r'
            WHERE id % 997 = 0""",
        f"""INSERT INTO payments_payment (id, account_id, invoice_id, amount, paid_on, created, channel, status,
                external_id, end_to_end_id, payer_name, payer_iban, purpose, match_reason, method, statement_id,
                parent_id, ledger_entry_id, reversal_entry_id, reversal_ref, actor_id)
            SELECT {30 * n} + i, NULL, NULL, 12.34, DATE '2026-10-01' + i % 31, now(), 'bank', 'unmatched', '', '',
                'Unknown', '', '', '', '', 154 + i % 31, NULL, NULL, NULL, '', NULL
            FROM generate_series(1, {n // 1000}) i""",
    ]
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
        for table in (
            "customers_building",
            "customers_customer",
            "customers_premises",
            "customers_account",
            "meters_meter",
            "meters_reading",
            "billing_invoice",
            "billing_invoiceline",
            "billing_ledgerentry",
            "payments_payment",
        ):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("CHECKPOINT")
    return time.perf_counter() - started


def _timed(func, rounds: int = ROUNDS):
    """The median of `rounds` runs (the first warms the caches), and the last result."""
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    _setup()
    seeded = _seed(N)

    from django.test import RequestFactory
    from django.utils import translation

    from kabinet.billing.models import Invoice, LedgerEntry
    from kabinet.customers.models import User
    from kabinet.office.reports import views
    from kabinet.office.reports.dashboard import dashboard
    from kabinet.office.reports.export import csv_bytes, xlsx_bytes
    from kabinet.office.reports.filters import Filters

    print(
        f"seeded {N:,} accounts, {Invoice.objects.count():,} invoices, {LedgerEntry.objects.count():,} ledger"
        f" entries in {seeded:.1f} s",
        flush=True,
    )
    translation.activate("en")
    filters = Filters(period=PERIOD, today=TODAY)
    # The floor on this machine now: one pass over the ledger (the debtors' list reads it
    # twice, and sorts what the owing accounts owe); a loaded machine shows in it.
    from django.db import connection

    def ledger_pass():
        with connection.cursor() as cursor:
            cursor.execute("SELECT account_id, SUM(amount) FROM billing_ledgerentry GROUP BY account_id")
            return cursor.fetchall()

    floor, _sums = _timed(ledger_pass)
    load = os.getloadavg()[0]
    record("report_ledger_pass", floor, "s", extra={"accounts": N, "load": round(load, 1)})
    print(f"one GROUP BY pass over the ledger: {floor:.2f} s (load average {load:.1f})", flush=True)
    staff = User.objects.create_superuser(username="bench", email="bench@example.com", password="x")
    factory = RequestFactory()

    def page(slug: str):
        request = factory.get(f"/office/reports/{slug}/", {"period": f"{PERIOD:%Y-%m}"})
        request.user = staff
        request.user.is_verified = lambda: True  # the second factor, as OTPMiddleware marks it
        return views.report_view(request, slug).render()

    failed = []
    for report in views.REPORTS:
        seconds, rows = _timed(lambda report=report: report.rows(filters))
        columns = report.columns()
        page_s, _page = _timed(lambda report=report: page(report.slug))
        csv_s, data = _timed(lambda c=columns, r=rows: csv_bytes(c, r))
        xlsx_s, book = _timed(lambda t=str(report.title), c=columns, r=rows: xlsx_bytes(t, c, r))
        figures = {"query": seconds, "page": page_s, "csv": csv_s + seconds, "xlsx": xlsx_s + seconds}
        for what, value in figures.items():
            record(
                f"report_{report.slug}_{what}",
                value,
                "s",
                target=f"< {TARGET:.0f} s for {N:,} accounts",
                extra={"accounts": N, "rows": len(rows), "ledger_pass": round(floor, 3), "load": round(load, 1)},
            )
            if value >= TARGET:
                failed.append(f"{report.slug} {what} {value:.2f} s")
        print(
            f"  {report.slug}: {len(rows):,} rows; query {seconds:.2f} s, page {page_s:.2f} s,"
            f" CSV {csv_s + seconds:.2f} s ({len(data):,} bytes), XLSX {xlsx_s + seconds:.2f} s ({len(book):,} bytes)",
            flush=True,
        )
    board_s, board = _timed(lambda: dashboard(filters))
    record("report_dashboard", board_s, "s", target=f"< {TARGET:.0f} s", extra={"accounts": N})
    print(f"  dashboard: {board.debtor_count:,} debtors; {board_s:.2f} s", flush=True)
    if board_s >= TARGET:
        failed.append(f"dashboard {board_s:.2f} s")
    print("over the 2 s target: " + ("; ".join(failed) if failed else "none"), flush=True)


if __name__ == "__main__":
    main()
