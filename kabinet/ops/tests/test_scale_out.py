"""Scale-out: two app servers and two Celery workers against one PostgreSQL and one Redis,
each a process of its own as if on a host of its own (README, "Scaling").

- A billing run split across both workers gives the invoices one process gives.
- A session started on one app server is valid on the other; a reading submitted on one
  is seen on the other at once; the API's rate limit counts the requests of both.

Transactional tests: the other processes see committed rows only. They need PostgreSQL
and Redis (REDIS_TEST_URL; .ci/run sets it for its PostgreSQL pass) and skip otherwise.
"""

import json
import time
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection

from kabinet.billing.models import BillingChunk, BillingRun, Invoice, RunStatus
from kabinet.billing.services import billing_run, billing_run_cancel
from kabinet.customers.models import User
from kabinet.demo.services import demo_seed
from kabinet.lib.periods import add_months
from kabinet.ops.tests.processes import (
    BIN,
    answers,
    free_port,
    login,
    processes,
    production_env,
    redis_flush,
    request,
    services,
)
from kabinet.utility.models import UtilityProfile

ALICE, ALICE_PASSWORD = "alice@example.com", "kabinet-demo"  # the demo's customer (kabinet/demo)
ACCOUNTS = 30
CHUNK_SIZE = 6  # 30 accounts (alice's two and the demo's others): 5 chunks
RATE = 8  # API requests an hour per login, for the test's servers


@pytest.fixture
def shared(transactional_db, tmp_path):
    database_url, redis_url = services()
    redis_flush(redis_url)
    yield database_url, redis_url
    redis_flush(redis_url)


# --- the billing run on two workers ----------------------------------------------------------


@pytest.fixture
def billing_demo(shared):
    """The demo utility with a year billed; the test bills the month after."""
    demo_seed(preset="lv", accounts=ACCOUNTS, random_seed=5)
    return add_months(BillingRun.objects.latest("period").period, 1)


@pytest.fixture
def chunk_workers(billing_demo):
    """Which worker billed each chunk: a trigger in the test database records the
    PostgreSQL application_name (PGAPPNAME, one per worker) of the transaction that marks
    a chunk done. It also holds that transaction a moment, as billing 10,000 accounts
    would: chunks of a few accounts are billed so fast that the first worker to wake up
    could take them all before the second has read its task."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TABLE ops_test_chunk_worker (chunk_id bigint PRIMARY KEY, worker text NOT NULL);
            CREATE FUNCTION ops_test_chunk_done() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.status = 'done' AND OLD.status <> 'done' THEN
                    INSERT INTO ops_test_chunk_worker VALUES (NEW.id, current_setting('application_name'));
                    PERFORM pg_sleep(0.5);
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER ops_test_chunk_done AFTER UPDATE ON billing_billingchunk
                FOR EACH ROW EXECUTE FUNCTION ops_test_chunk_done();
            """
        )

    def workers() -> dict[int, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT chunk_id, worker FROM ops_test_chunk_worker")
            return dict(cursor.fetchall())

    yield workers
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER ops_test_chunk_done ON billing_billingchunk; DROP FUNCTION ops_test_chunk_done();"
            " DROP TABLE ops_test_chunk_worker;"
        )


def invoices_of(run: BillingRun) -> dict:
    """Every invoice of the run by account, with its lines: what a customer would read."""
    invoices = {}
    for invoice in Invoice.objects.filter(run=run).prefetch_related("lines").order_by("account_id"):
        lines = sorted(
            (
                line.kind,
                line.service_id,
                line.method,
                line.description,
                line.quantity,
                line.unit,
                line.price,
                line.amount,
                line.vat_rate,
                line.vat,
                line.total,
                json.dumps(line.details, sort_keys=True),
            )
            for line in invoice.lines.all()
        )
        invoices[invoice.account_id] = {
            "period": invoice.period,
            "issued_on": invoice.issued_on,
            "due_on": invoice.due_on,
            "previous_balance": invoice.previous_balance,
            "payments_received": invoice.payments_received,
            "total": invoice.total,
            "vat_total": invoice.vat_total,
            "penalty_total": invoice.penalty_total,
            "amount_due": invoice.amount_due,
            "has_estimates": invoice.has_estimates,
            "lines": lines,
        }
    return invoices


def test_it_splits_a_billing_run_over_two_workers_and_bills_what_one_process_bills(
    shared, billing_demo, chunk_workers, tmp_path
):
    database_url, redis_url = shared
    period = billing_demo
    env = production_env(database_url, redis_url, tmp_path / "var")

    with processes(tmp_path) as group:
        for name in ("worker-a", "worker-b"):
            group.start(
                name,
                # deploy/systemd/kabinet-worker.service's command line, one process each.
                [str(BIN / "celery"), "-A", "kabinet", "worker", "--concurrency", "1", "--loglevel", "INFO",
                 "--without-mingle", "--without-gossip", "--hostname", f"{name}@%h"],
                {**env, "PGAPPNAME": name},
            )  # fmt: skip
        for name in ("worker-a", "worker-b"):
            group.wait_for(name, lambda name=name: " ready." in group.log(name), "ready line")

        # The back office starts the run as an app server would: its tasks go to Redis.
        group.start(
            "office",
            [str(BIN / "python"), "manage.py", "shell", "-c",
             "import datetime as dt; from kabinet.billing.services import billing_run;"
             f" billing_run(period=dt.date.fromisoformat('{period}'), chunk_size={CHUNK_SIZE})"],
            env,
        )  # fmt: skip
        deadline = time.monotonic() + 40
        while not BillingRun.objects.filter(period=period, status=RunStatus.DRAFT).exists():
            assert time.monotonic() < deadline, group.log("worker-a")[-2000:] + group.log("worker-b")[-2000:]
            time.sleep(0.2)
        assert group.started["office"].wait(timeout=10) == 0, group.log("office")
        logs = {name: group.log(name) for name in ("worker-a", "worker-b")}

    run = BillingRun.objects.get(period=period, status=RunStatus.DRAFT)
    chunks = list(BillingChunk.objects.filter(run=run).values_list("id", flat=True))
    assert len(chunks) == ACCOUNTS // CHUNK_SIZE
    billed_by = chunk_workers()
    assert sorted(billed_by) == sorted(chunks)  # every chunk once
    assert set(billed_by.values()) == {"worker-a", "worker-b"}  # both took a share
    for log in logs.values():
        assert "kabinet.billing.tasks.billing_run_chunks" in log and "succeeded" in log
    split = invoices_of(run)
    assert len(split) == run.invoice_count == ACCOUNTS
    assert sum((i["total"] for i in split.values()), Decimal("0")) == run.total > 0

    # The same period again, billed in this one process (CELERY_TASK_ALWAYS_EAGER).
    billing_run_cancel(run=run, actor=None)
    alone = billing_run(period=period, chunk_size=CHUNK_SIZE)
    assert alone.pk != run.pk and alone.status == RunStatus.DRAFT
    assert invoices_of(alone) == split
    assert (alone.invoice_count, alone.total, alone.summary) == (run.invoice_count, run.total, run.summary)


# --- two app servers ------------------------------------------------------------------------


def test_two_app_servers_share_sessions_readings_and_rate_limits(shared, tmp_path):
    database_url, redis_url = shared
    demo_seed(preset="lv", accounts=12, random_seed=5)
    # The suite hashes passwords with MD5 for speed; the servers know production's hashers only.
    User.objects.filter(email=ALICE).update(password=make_password(ALICE_PASSWORD, hasher="pbkdf2_sha256"))
    # The reading window open today, whatever day the suite runs.
    UtilityProfile.objects.update(reading_window_first_day=1, reading_window_last_day=0)
    env = production_env(database_url, redis_url, tmp_path / "var", API_RATE_PER_TOKEN=f"{RATE}/hour")
    ports = []
    while len(ports) < 2:
        if (port := free_port()) not in ports:
            ports.append(port)
    a, b = (f"http://127.0.0.1:{port}" for port in ports)

    with processes(tmp_path) as group:
        for name, port in zip(("app-a", "app-b"), ports, strict=True):
            group.start(
                name,
                # deploy/systemd/kabinet-web.service's command line, one worker each.
                [str(BIN / "gunicorn"), "kabinet.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--worker-class", "sync", "--workers", "1", "--timeout", "60"],
                env,
            )  # fmt: skip
        for name, base in (("app-a", a), ("app-b", b)):
            group.wait_for(name, lambda base=base: answers(f"{base}/healthz"), "/healthz")

        # Logged in on A, known on B.
        jar = login(a, ALICE, ALICE_PASSWORD)
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        assert request("GET", f"{b}/")[0] == 302  # B sends a stranger to the login page
        status, _headers, page = request("GET", f"{b}/", headers={"Cookie": cookie})
        assert status == 200, page[:300]

        _wait_for_a_fresh_window()
        used = 0
        status, _headers, body = request("GET", f"{b}/api/v1/readings/meters", headers={"Cookie": cookie})
        used += 1
        assert status == 200, body
        meter = json.loads(body)["meters"][0]
        value = str(Decimal(meter["last_value"] or "0") + 1)

        # Submitted on A, seen on B.
        status, _headers, body = request(
            "POST",
            f"{a}/api/v1/readings/meters/{meter['id']}/readings",
            body=json.dumps({"value": value, "confirm": True}).encode(),
            headers={"Cookie": cookie, "X-CSRFToken": jar["csrftoken"], "Content-Type": "application/json"},
        )
        used += 1
        assert status == 201, body
        submitted = json.loads(body)
        status, _headers, body = request(
            "GET", f"{b}/api/v1/readings/meters/{meter['id']}/readings", headers={"Cookie": cookie}
        )
        used += 1
        assert status == 200
        history = json.loads(body)
        assert history[0]["id"] == submitted["id"] and Decimal(history[0]["value"]) == Decimal(value)

        # One limit for both servers: the requests above and these, alternating, reach it
        # together, and both servers refuse the next.
        statuses = []
        for n in range(RATE - used + 2):
            base = (a, b)[n % 2]
            statuses.append(request("GET", f"{base}/api/v1/readings/meters", headers={"Cookie": cookie})[0])
        assert statuses == [200] * (RATE - used) + [429, 429]


def _wait_for_a_fresh_window() -> None:
    """The limit counts in windows of a clock hour: not across the turn of one."""
    if time.time() % 3600 > 3590:
        time.sleep(3600 - time.time() % 3600 + 0.1)
