"""Shared pieces of the readings benchmarks: a Django setup against the benchmark's own
PostgreSQL database, bulk seeding of customers with two meters each, and a gunicorn
server for HTTP runs."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, manage, pg_recreate

BENCH_URL = os.environ.get("READINGS_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kabinet_readings_bench")
PASSWORD = "bench-password-1"
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "readings-bench-secret-key-not-for-production",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
    "KABINET_DEMO": "0",
    "LOG_LEVEL": "ERROR",
    # Throughput, not limits: 600 customers from one address at thousands of requests a
    # second would be throttled (the limits cost one cache INCR each; see README).
    "API_RATE_PER_TOKEN": "",
    "API_RATE_PER_ADDRESS": "",
    # Production has Redis (sessions, the Celery broker); without it tasks would run inline.
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"),
}


def django_ready(url: str = BENCH_URL) -> None:
    """Point this process at the benchmark database (fresh, migrated) and set Django up."""
    import django

    os.environ["DATABASE_URL"] = url
    for key, value in SERVER_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")
    if "django.conf" in sys.modules:
        from django.db import connections

        connections.close_all()
    pg_recreate(url)
    manage("migrate", "--noinput", "-v0", database_url=url)
    django.setup()


def seed(customers: int, *, preset: str = "lv", window_always_open: bool = True, meters_per_customer: int = 2):
    """Customers (at most 89,999: client codes are 5 digits), each with one account, premises,
    `meters_per_customer` meters and a login with the same password (hashed once).
    Returns [(user_id, email, account number, [meter ids])]."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password

    from kabinet.customers.models import AccessRole, Account, AccountAccess, Building, Customer, Premises, User
    from kabinet.meters.models import Meter
    from kabinet.test import make_services, make_utility

    profile = make_utility(preset)
    if window_always_open:
        profile.reading_window_first_day = 1
        profile.reading_window_last_day = 0
        profile.save()
    services = list(make_services(preset).values())[:meters_per_customer]
    building = Building.objects.create(city="Bench", street="Benchmark iela", house="1")
    premises = Premises.objects.bulk_create(
        [Premises(building=building, apartment=str(i), area=Decimal("50")) for i in range(customers)], batch_size=5000
    )
    people = Customer.objects.bulk_create(
        [Customer(client_code=f"{i + 10000:05d}", first_name="B", last_name=f"Bench{i}") for i in range(customers)],
        batch_size=5000,
    )
    accounts = Account.objects.bulk_create(
        [
            Account(number=f"{900000 + i}", customer=people[i], premises=premises[i], opened_on=dt.date(2020, 1, 1))
            for i in range(customers)
        ],
        batch_size=5000,
    )
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [
            User(username=f"b{i}@bench.example", email=f"b{i}@bench.example", password=password, customer=people[i])
            for i in range(customers)
        ],
        batch_size=5000,
    )
    AccountAccess.objects.bulk_create(
        [AccountAccess(user=users[i], account=accounts[i], role=AccessRole.HOLDER) for i in range(customers)],
        batch_size=5000,
    )
    meters = Meter.objects.bulk_create(
        [
            Meter(
                premises=premises[i],
                service=service,
                serial_number=f"M{i:07d}-{k}",
                installed_on=dt.date(2022, 1, 1),
                verification_due=dt.date(2099, 1, 1),
                digits_before_point=6,
            )
            for i in range(customers)
            for k, service in enumerate(services)
        ],
        batch_size=5000,
    )
    per = len(services)
    return [
        (users[i].pk, users[i].email, accounts[i].number, [m.pk for m in meters[i * per : (i + 1) * per]])
        for i in range(customers)
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving kabinet.wsgi against the benchmark database."""

    def __init__(self, *, workers: int = 3, threads: int = 4, worker_class: str = "gthread", config: str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **SERVER_ENV, "DATABASE_URL": BENCH_URL, "DB_CONN_MAX_AGE": "600"}
        log = Path(ROOT / "var" / "bench" / "gunicorn-readings.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "kabinet.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                "-k",
                worker_class,
                *(["--threads", str(threads), "--keep-alive", "30"] if worker_class == "gthread" else []),
                "--backlog",
                "2048",
                *(["-c", config] if config else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start; see var/bench/gunicorn-readings.log")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
