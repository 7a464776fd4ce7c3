"""The last evening of a reading window, as customers live it (issue 17).

    .venv/bin/python -m bench bench_evening_rush      # or: make bench
    EVENING_RUSH_RATES=10,20 EVENING_RUSH_SECONDS=10 ...   # a quick look (see the settings below)

Customers arrive at a constant rate (a Poisson process: bench/evening_rush_locust.py says why
Locust's own users would not do), each with a remember-me session made in advance: the
dashboard, the readings form, two meters submitted, the receipt, and one in ten the PDF of
their invoice. The rate is stepped up (5, 10, 20, 30, 40, 60, 80 a second by default, 20 s a
step) until a step fails: p99 < 300 ms on every page and no error. Logins are a stream of their own (the login
form, then the POST with its CSRF token and an Argon2id check), stepped the same way, at
Django's default Argon2 parameters (what settings.py uses) and at OWASP's minimum
recommended ones (m=19 MiB, t=2, p=1; bench/evening_rush_server.py).

The server is production's (deploy/systemd/kabinet-web.service with deploy/kabinet.env.example):
gunicorn with WEB_CONCURRENCY=4 sync workers, PostgreSQL with persistent connections, Redis for
the cache and sessions, one trusted proxy. Load generator, app, PostgreSQL and Redis share the
machine. In the same run: the bare view (/healthz with wrk, the ceiling) and the no-op floor
(the same journeys with the submission replaced by a no-op). Per step, CPU milliseconds per
journey of the app, PostgreSQL and the generator tell where a rate's cost goes.

Afterwards every submission the server accepted (a 302 to the receipt) must be stored exactly
once: two readings, the values sent, no other portal reading of the period.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

# The servers and the seeding read these at import (bench.readings_common): a database and a
# Redis database of this benchmark's own (both emptied at the start), so it can run beside the
# other benchmarks and never empties a Redis that REDIS_URL names elsewhere.
os.environ["READINGS_BENCH_DATABASE_URL"] = os.environ.get(
    "EVENING_RUSH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kabinet_evening_rush_bench"
)
os.environ["REDIS_URL"] = os.environ.get("EVENING_RUSH_REDIS_URL", "redis://127.0.0.1:6379/9")

from bench.bench_readings_http import warm_ceiling, wrk_plain  # noqa: E402
from bench.common import ROOT, VENV_PYTHON, record  # noqa: E402
from bench.readings_common import BENCH_URL, PASSWORD, Gunicorn, django_ready, seed  # noqa: E402

PDF_SHARE = 0.1  # as bench/evening_rush_locust.py


def _rates(name: str, default: str) -> list[float]:
    return [float(r) for r in os.environ.get(name, default).split(",") if r.strip()]


RATES = _rates("EVENING_RUSH_RATES", "5,10,20,30,40,60,80")  # customers a second, one step each
SECONDS = float(os.environ.get("EVENING_RUSH_SECONDS", "20"))  # per step
LOGIN_RATES = _rates("EVENING_RUSH_LOGIN_RATES", "2,5,10,15,20,30")
LOGIN_SECONDS = float(os.environ.get("EVENING_RUSH_LOGIN_SECONDS", "15"))
THINK = float(os.environ.get("EVENING_RUSH_THINK", "0.5"))  # seconds between a customer's pages
WORKERS = int(os.environ.get("EVENING_RUSH_WORKERS", "4"))  # WEB_CONCURRENCY in deploy/kabinet.env.example
P99_MS = 300.0
PROFILE = int(os.environ.get("EVENING_RUSH_PROFILE", "30"))  # journeys one at a time, CPU per page
CORES = os.cpu_count() or 2
LOGIN_USERS = 200
SERVER_HOOKS = str(Path(__file__).with_name("evening_rush_server.py"))

CUSTOMER_TARGET = ">= 60 customers/s with p99 < 300 ms on every page, 0 errors"
LOGIN_TARGET = ">= 20 logins/s (Argon2id, OWASP parameters) with p99 < 300 ms, 0 errors"


# --- seeding --------------------------------------------------------------------------------


def seed_evening(customers: int) -> tuple[list, list]:
    """`customers` for the customer stream and LOGIN_USERS more for the login stream (the
    readings bench's seeding: one account, premises and two meters each), plus what the
    evening needs beyond it: last month's reading of every meter, last month's invoice of every
    account, and a remember-me session and CSRF cookie for each customer of the stream."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX, SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from kabinet.billing.models import Invoice, InvoiceLine
    from kabinet.customers.models import Account, User
    from kabinet.meters.models import Meter, Reading, ReadingSource, ReadingStatus

    people = seed(customers + LOGIN_USERS)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    taken = timezone.now() - dt.timedelta(days=30)
    meters = Meter.objects.filter(pk__in=[m for p in people for m in p[3]]).only("pk", "service_id")
    Reading.objects.bulk_create(
        [
            Reading(
                meter_id=m.pk,
                period=last_month,
                value=Decimal(1000),
                entered_value="1000",
                consumption=None,
                status=ReadingStatus.ACCEPTED,
                source=ReadingSource.FILE,
                taken_at=taken,
            )
            for m in meters
        ],
        batch_size=5000,
    )
    service_id = meters[0].service_id
    accounts = dict(Account.objects.filter(number__in=[p[2] for p in people]).values_list("number", "pk"))
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                account_id=accounts[p[2]],
                period=last_month,
                year=last_month.year,
                seq=i + 1,
                number=f"EV-{i + 1:06d}",
                status="issued",
                issued_on=this_month,
                due_on=this_month + dt.timedelta(days=20),
                total=Decimal("12.10"),
                vat_total=Decimal("2.10"),
                amount_due=Decimal("12.10"),
            )
            for i, p in enumerate(people)
        ],
        batch_size=5000,
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=inv,
                service_id=service_id,
                description="Cold water",
                quantity=Decimal(5),
                unit="m3",
                price=Decimal(2),
                amount=Decimal("10.00"),
                vat_rate=Decimal(21),
                vat=Decimal("2.10"),
                total=Decimal("12.10"),
            )
            for inv in invoices
        ],
        batch_size=5000,
    )
    # Remember-me sessions as the login view leaves them (no set_expiry(0): SESSION_COOKIE_AGE),
    # in the database and in Redis, where cached_db keeps them between a customer's visits.
    users = User.objects.in_bulk([p[0] for p in people[:customers]])
    expires = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    store = SessionStore()
    rows, cached, lines = [], {}, []
    for i, (uid, email, _number, (meter1, meter2)) in enumerate(people[:customers]):
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(uid),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: users[uid].get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        cached[KEY_PREFIX + key] = data
        csrf = get_random_string(32)
        lines.append(f"{key} {csrf} {meter1} {meter2} {invoices[i].pk} {email}")
    Session.objects.bulk_create(rows, batch_size=5000)
    caches[settings.SESSION_CACHE_ALIAS].set_many(cached, timeout=settings.SESSION_COOKIE_AGE)
    logins = [p[1] for p in people[customers:]]
    return lines, logins


def use_owasp_passwords(emails: list[str]) -> None:
    """The login stream's users, hashed at OWASP's parameters (as after their first login on
    a server whose first hasher has them)."""
    from bench.evening_rush_server import OwaspArgon2Hasher
    from kabinet.customers.models import User

    User.objects.filter(email__in=emails).update(password=OwaspArgon2Hasher().encode(PASSWORD, "evening-rush-salt"))


def redis_flush() -> None:
    """Empty this benchmark's Redis database (login counters and sessions of earlier runs)."""
    from django.core.cache import cache

    cache.clear()


# --- phases ---------------------------------------------------------------------------------


def run_locust(
    server: Gunicorn, work: Path, name: str, streams: list[dict], *, floor: bool = False, profile: int = 0
) -> dict:
    """The load generator in a process of its own (Locust monkey-patches with gevent);
    returns what it measured, with CPU per journey of the app, PostgreSQL and the generator."""
    plan = {
        "base_url": server.url,
        "port": server.port,
        "database": BENCH_URL.rsplit("/", 1)[1],
        "profile_journeys": profile,
        "customers_file": str(work / "customers.txt"),
        "logins_file": str(work / "logins.txt"),
        "password": PASSWORD,
        "think_seconds": THINK,
        "p99_ms": P99_MS,
        "floor": floor,
        "streams": streams,
        "output": str(work / f"{name}.json"),
    }
    (work / f"{name}.plan.json").write_text(json.dumps(plan))
    print(f"\n{name}: Locust against {server.url}", flush=True)
    subprocess.run(
        [str(VENV_PYTHON), "-m", "bench.evening_rush_locust", str(work / f"{name}.plan.json")], cwd=ROOT, check=True
    )
    return json.loads((work / f"{name}.json").read_text())


def customers_stream() -> dict:
    return {"kind": "customers", "rates": RATES, "seconds": SECONDS}


def logins_stream() -> dict:
    return {"kind": "logins", "rates": LOGIN_RATES, "seconds": LOGIN_SECONDS}


def start(*, floor: bool = False, hasher: str = "") -> Gunicorn:
    """The production server (or one of its bench variants, evening_rush_server.py)."""
    os.environ["TRUSTED_PROXIES"] = "1"  # behind nginx, as deploy/kabinet.env.example
    os.environ["EVENING_RUSH_FLOOR"] = "1" if floor else "0"
    os.environ["EVENING_RUSH_HASHER"] = hasher
    hooks = SERVER_HOOKS if (floor or hasher) else None
    server = Gunicorn(workers=WORKERS, worker_class="sync", config=hooks)
    return server


# --- the check and the report ---------------------------------------------------------------


def check_database(submitted: list[tuple[int, str]], unconfirmed: list[tuple[int, str]]) -> dict:
    """Every accepted submission stored exactly once: the values sent, one row each, and no
    portal reading of this period that was not answered with a receipt (but those answered with
    an error or a timeout, which may or may not have been stored, are counted apart)."""
    from django.db import connection
    from django.utils import timezone

    period = timezone.localdate().replace(day=1)
    with connection.cursor() as c:
        c.execute(
            "SELECT meter_id, value, status FROM meters_reading WHERE source = 'portal' AND period = %s", [period]
        )
        rows = c.fetchall()
    stored: dict[tuple[int, Decimal], int] = {}
    for meter_id, value, _status in rows:
        stored[(meter_id, value)] = stored.get((meter_id, value), 0) + 1
    sent = {(m, Decimal(v)) for m, v in submitted}
    unknown = {(m, Decimal(v)) for m, v in unconfirmed}
    return {
        "accepted_submissions": len(submitted) // 2,
        "readings_sent": len(submitted),
        "readings_stored": len(rows),
        "missing": sum(1 for key in sent if key not in stored),
        "stored_twice": sum(1 for n in stored.values() if n > 1),
        "not_sent": sum(1 for key in stored if key not in sent and key not in unknown),
        "errors_stored": sum(1 for key in stored if key in unknown),
        "errors_not_stored": sum(1 for key in unknown if key not in stored),
        "sent_twice": len(submitted) - len(sent),
        "not_accepted": sum(1 for r in rows if r[2] != "accepted"),
    }


def best(steps: list[dict]) -> float:
    """The highest rate of a run of passing steps from the lowest (0 if the first failed)."""
    highest = 0.0
    for step in steps:
        if not step["passed"]:
            break
        highest = step["rate"]
    return highest


def page_rps(step: dict) -> float:
    return sum(p["n"] for p in step["pages"].values()) / step["seconds"] if step["seconds"] else 0.0


def main() -> None:
    print(f"load before the run: {os.getloadavg()}", flush=True)
    journeys = int(sum(RATES) * SECONDS * 1.2) + 100
    django_ready(BENCH_URL)
    redis_flush()
    started = time.perf_counter()
    lines, logins = seed_evening(journeys)
    print(f"seeded {journeys} customers (+{LOGIN_USERS} for logins) in {time.perf_counter() - started:.1f} s")
    work = Path(tempfile.mkdtemp(prefix="evening-rush-"))
    (work / "customers.txt").write_text("\n".join(lines) + "\n")
    (work / "logins.txt").write_text("\n".join(logins) + "\n")
    setup = {
        "server": f"gunicorn sync x{WORKERS}",
        "step_seconds": SECONDS,
        "login_step_seconds": LOGIN_SECONDS,
        "think_seconds": THINK,
        "customers": journeys,
    }

    # 1. Production: the bare view, the customers, the logins at Django's parameters, the bare view.
    server = start()
    try:
        ceiling1 = warm_ceiling(server)
        main_run = run_locust(server, work, "production", [customers_stream(), logins_stream()], profile=PROFILE)
        ceiling2 = wrk_plain(f"{server.url}/healthz")
    finally:
        server.stop()
    load_mid = os.getloadavg()

    # 2. Logins at OWASP's parameters.
    use_owasp_passwords(logins)
    server = start(hasher="owasp")
    try:
        owasp_run = run_locust(server, work, "owasp", [logins_stream()])
    finally:
        server.stop()

    # 3. The no-op floor: the same customers' journeys, the submission stores nothing.
    server = start(floor=True)
    try:
        floor_ceiling = warm_ceiling(server)
        floor_run = run_locust(server, work, "floor", [customers_stream()], floor=True, profile=PROFILE)
    finally:
        server.stop()
    load_end = os.getloadavg()

    check = check_database(main_run["submitted"], main_run["unconfirmed"])
    report(setup, ceiling1, ceiling2, floor_ceiling, main_run, owasp_run, floor_run, check)
    print(f"load average: mid-run {load_mid}, at the end {load_end} (2 cores; other work on the machine counts)")


def report(setup, ceiling1, ceiling2, floor_ceiling, main_run, owasp_run, floor_run, check) -> None:
    bare = (ceiling1[0] + ceiling2[0]) / 2
    customers, floor = main_run["customers"], floor_run["customers"]
    rate, floor_rate = best(customers), best(floor)
    print("\n=== evening rush ===")
    print(f"bare view /healthz: {ceiling1[0]:,.0f} and {ceiling2[0]:,.0f} req/s (p99 {ceiling1[2]:.1f} ms)")
    print(f"customers: highest passing rate {rate:g}/s; at the no-op floor {floor_rate:g}/s")
    for name, steps in (("production", customers), ("floor", floor)):
        for s in steps:
            cpu = s.get("cpu_ms_per_journey", {})
            worst = max(s["pages"].items(), key=lambda kv: kv[1]["p99"]) if s["pages"] else ("-", {"p99": 0})
            errors = sum(p["errors"] for p in s["pages"].values())
            print(
                f"  {name} {s['rate']:g}/s: {page_rps(s):.0f} req/s ({page_rps(s) / bare:.1%} of the bare view), "
                f"worst p99 {worst[1]['p99']:.0f} ms ({worst[0]}), errors {errors}, "
                f"CPU per journey: app {cpu.get('app', 0):.1f} ms, PostgreSQL {cpu.get('postgres', 0):.1f} ms, "
                f"generator {cpu.get('generator', 0):.1f} ms; {s.get('cores_used', 0):.2f} cores used, "
                f"load {s.get('load_average_1min', 0):g}  [{'pass' if s['passed'] else 'FAIL'}]"
            )
    record(
        "evening_rush.customers",
        rate,
        "customers/s",
        ceiling=floor_rate or None,
        target=CUSTOMER_TARGET,
        extra={**setup, "steps": customers, "bare_view_rps": round(bare, 1)},
    )
    record("evening_rush.customers_floor", floor_rate, "customers/s", extra={**setup, "steps": floor})
    record(
        "evening_rush.healthz",
        bare,
        "req/s",
        extra={"p50_ms": ceiling1[1], "p99_ms": ceiling1[2], "floor_server_rps": floor_ceiling[0]},
    )
    for name, run in (("django_default", main_run), ("owasp", owasp_run)):
        steps = run["logins"]
        login_rate = best(steps)
        print(f"logins, Argon2 at {name} parameters: highest passing rate {login_rate:g}/s")
        for s in steps:
            p = s["pages"].get("login", {"p50": 0, "p99": 0, "errors": 0})
            cpu = s.get("cpu_ms_per_journey", {})
            print(
                f"  {s['rate']:g}/s: login POST p50 {p['p50']:.0f} ms, p99 {p['p99']:.0f} ms, errors {p['errors']}, "
                f"CPU per login: app {cpu.get('app', 0):.1f} ms  [{'pass' if s['passed'] else 'FAIL'}]"
            )
        record(
            f"evening_rush.logins_{name}",
            login_rate,
            "logins/s",
            target=LOGIN_TARGET if name == "owasp" else "none (production's current parameters)",
            extra={**setup, "steps": steps},
        )
    explain(main_run.get("profile", {}), floor_run.get("profile", {}), main_run["logins"], owasp_run["logins"])
    print("database check:", json.dumps(check))
    problems = check["missing"] + check["stored_twice"] + check["not_sent"] + check["sent_twice"]
    record("evening_rush.integrity", problems, "problems", target="every accepted reading stored once", extra=check)
    if problems:
        sys.exit("evening rush: submitted readings lost or stored twice")


def explain(profile: dict, floor: dict, default_logins: list[dict], owasp_logins: list[dict]) -> None:
    """Why a rate is out of reach: the CPU one journey costs, page by page (measured alone),
    and the rate all the machine's cores would give if nothing else ran."""
    if not profile:
        return
    share = {"invoice PDF": PDF_SHARE}
    journey = {k: sum(p[f"{k}_ms"] * share.get(name, 1) for name, p in profile.items()) for k in ("app", "postgres")}
    total = journey["app"] + journey["postgres"]
    print(
        f"one journey costs {total:.1f} ms of CPU (app {journey['app']:.1f}, PostgreSQL {journey['postgres']:.1f}; "
        f"the PDF weighted by {PDF_SHARE:g}): {CORES} idle cores would serve at most {CORES * 1000 / total:.0f} "
        "customers/s, before the load generator, Redis and queueing take their share"
    )
    for name, p in sorted(profile.items(), key=lambda kv: -kv[1]["app_ms"] * share.get(kv[0], 1)):
        weighted = (p["app_ms"] + p["postgres_ms"]) * share.get(name, 1)
        print(f"  {name:<16} app {p['app_ms']:6.1f} ms  PostgreSQL {p['postgres_ms']:5.1f} ms  {weighted / total:5.1%}")
    if "submit 2 meters" in floor:
        real, noop = profile["submit 2 meters"], floor["submit 2 meters"]
        print(
            f"the submission itself (production's POST less the no-op floor's): "
            f"app {real['app_ms'] - noop['app_ms']:.1f} ms, "
            f"PostgreSQL {real['postgres_ms'] - noop['postgres_ms']:.1f} ms"
        )
    for name, steps in (("Django's default", default_logins), ("OWASP", owasp_logins)):
        app = [s["cpu_ms_per_journey"]["app"] for s in steps if s["started"]]
        if app:
            cost = min(app)
            print(f"a login at {name} parameters costs {cost:.0f} ms of app CPU: at most {CORES * 1000 / cost:.0f}/s")
    record("evening_rush.journey_cpu", total, "ms", extra={"per_page": profile, "floor_per_page": floor, **journey})


if __name__ == "__main__":
    main()
