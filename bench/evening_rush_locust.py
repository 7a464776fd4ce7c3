"""The load generator of bench_evening_rush: Locust as a library, in a process of its own.

    .venv/bin/python -m bench.evening_rush_locust plan.json   # writes plan["output"]

Locust's users are a closed model: each user waits for its last response before its next
request, so a slow server is sent less work and its latencies look better than customers
would live them ("coordinated omission"). `constant_pacing`/`constant_throughput` only pace
each user. The evening rush is an open model instead: customers arrive at R per second
whether or not the server keeps up. So one scheduler greenlet draws arrival times from a
Poisson process of rate R (exponential gaps, a fixed seed) and spawns one greenlet per
arrival, with a FastHttpSession of its own (one browser, its own connections), however many
earlier journeys are still running. If the generator itself falls behind its schedule, the
lag is reported beside the figures (a late arrival is the generator's fault, not the app's).

Locust supplies the HTTP client (geventhttpclient), the request events and the runner's
statistics (printed at the end as a cross-check); the figures per step come from our own
listener on the request event, which keeps every response time of the step's journeys
(exact percentiles; Locust's own rounds them to 10 ms above 100 ms), and waits until the
journeys that started in a step have finished before the next step starts, so no step's
stragglers land in another's figures.

Two streams, each stepped on its own:
- customers: a remember-me session made in advance (no login), the dashboard, the readings
  form, the submission of two meters (302 to the receipt), the receipt, and one in ten the
  PDF of their invoice;
- logins: the login form, then the POST with its CSRF token (Argon2 verifies the password),
  each from an address of its own (X-Forwarded-For through one trusted proxy, as behind
  nginx), so the per-address login limit sees many customers, as it would.

A step passes with p99 < plan["p99_ms"] on every page, no error (a wrong status or page, a
timeout), every journey finished and the generator on time; the steps stop at the first that
fails. Before them, a warm-up that is not counted (workers import views, templates and
WeasyPrint on first use) and, if the plan asks, a profile: journeys one at a time with the
server's CPU read around each request, the cost of each page.
"""

import functools
import json
import os
import random
import re
import secrets
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

import gevent
import gevent.pool
from locust import events
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment
from locust.stats import print_stats

TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_RE = re.compile(rb'name="client_key" value="([^"]+)"')
ACCOUNT_RE = re.compile(rb'name="account" value="([^"]*)"')
PDF_SHARE = 0.1  # one customer in ten opens an invoice PDF
DRAIN_SECONDS = 60  # how long a step waits for its last journeys before counting them as errors


class Step:
    """What one step of one stream measured."""

    def __init__(self, rate: float):
        self.rate = rate
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.samples: list[str] = []  # the first few error messages
        self.started = 0
        self.finished = 0
        self.in_flight_max = 0
        self.lag_max_ms = 0.0
        self.seconds = 0.0
        self.unfinished = 0
        self.wall = 0.0  # seconds from the first arrival until the last journey finished

    def record(self, name: str, ms: float, error: str | None) -> None:
        self.latencies.setdefault(name, []).append(ms)
        if error:
            self.errors[name] = self.errors.get(name, 0) + 1
            if len(self.samples) < 5:
                self.samples.append(f"{name}: {error}")

    def summary(self) -> dict:
        pages = {}
        for name, values in sorted(self.latencies.items()):
            values.sort()
            pages[name] = {
                "n": len(values),
                "p50": round(percentile(values, 0.50), 1),
                "p95": round(percentile(values, 0.95), 1),
                "p99": round(percentile(values, 0.99), 1),
                "max": round(values[-1], 1),
                "mean": round(statistics.fmean(values), 1),
                "errors": self.errors.get(name, 0),
            }
        return {
            "rate": self.rate,
            "seconds": round(self.seconds, 1),
            "started": self.started,
            "finished": self.finished,
            "unfinished": self.unfinished,
            "achieved_rate": round(self.started / self.seconds, 1) if self.seconds else 0,
            "in_flight_max": self.in_flight_max,
            "wall_seconds": round(self.wall, 1),
            # The machine is shared: how busy it was while the step ran.
            "load_average_1min": round(os.getloadavg()[0], 1),
            "lag_max_ms": round(self.lag_max_ms, 1),
            "pages": pages,
            "error_samples": self.samples,
        }


def percentile(ordered: list[float], q: float) -> float:
    """The nearest-rank percentile of an ordered list."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


class Journeys:
    """The two kinds of visit, against one server."""

    def __init__(self, env: Environment, plan: dict):
        self.env = env
        self.base = plan["base_url"]
        self.think = plan.get("think_seconds", 0.0)
        self.floor = plan.get("floor", False)
        self.customers = [line.split() for line in Path(plan["customers_file"]).read_text().split("\n") if line]
        self.logins = [line.split() for line in Path(plan["logins_file"]).read_text().split("\n") if line]
        self.password = plan["password"]
        self.next_customer = 0
        self.next_login = 0
        self.submitted: list[tuple[int, str]] = []  # (meter id, value) of every accepted submission
        self.unconfirmed: list[tuple[int, str]] = []  # of every submission answered with an error
        self.rng = random.Random(17)
        self.port, self.database = plan["port"], plan["database"]
        self.profile: dict[str, dict[str, float]] | None = None  # CPU per page, when profiling

    def session(self) -> FastHttpSession:
        # A browser of its own; geventhttpclient's network timeout bounds a stuck request.
        return FastHttpSession(self.base, self.env.events.request, user=None, network_timeout=30.0)

    def call(self, http, step, method, path, name, expect, *, headers, data=None, check=None):
        """One request, recorded under `name` in `step`; returns the response or None on error
        (test it with `is None`: an empty response, a redirect, is falsy)."""
        if self.profile is not None:
            before = server_cpu(self.port, self.database)
            try:
                return self._call(http, step, method, path, name, expect, headers=headers, data=data, check=check)
            finally:
                after = server_cpu(self.port, self.database)
                page = self.profile.setdefault(name, {"n": 0, "app": 0.0, "postgres": 0.0})
                page["n"] += 1
                for k in before:
                    page[k] += after[k] - before[k]
        return self._call(http, step, method, path, name, expect, headers=headers, data=data, check=check)

    def _call(self, http, step, method, path, name, expect, *, headers, data=None, check=None):
        with http.request(
            method,
            path,
            name=name,
            headers=headers,
            data=data,
            allow_redirects=False,
            catch_response=True,
            context={"step": step},
        ) as response:
            problem = None
            if response.status_code != expect:
                problem = f"HTTP {response.status_code} (expected {expect}) for {path}"
            elif check is not None:
                problem = check(response)
            if problem:
                response.failure(problem)
                return None
            response.success()
            return response

    def customer(self, step: Step, *, warm: bool = False) -> None:
        """Dashboard, readings form, two meters submitted, receipt; one in ten the invoice PDF
        (every one when `warm`: each worker renders its first PDF before the figures count)."""
        row = self.customers[self.next_customer % len(self.customers)]
        rounds = self.next_customer // len(self.customers)
        self.next_customer += 1
        session_key, csrf, meter1, meter2, invoice, _email = row
        pdf = warm or self.rng.random() < PDF_SHARE
        http = self.session()
        headers = {"Cookie": f"sessionid={session_key}; csrftoken={csrf}; django_language=en"}
        dashboard = self.call(http, step, "GET", "/", "dashboard", 200, headers=headers, check=_has(b'id="meters-h"'))
        if dashboard is None:
            return
        gevent.sleep(self.think)
        form = self.call(http, step, "GET", "/readings/", "readings form", 200, headers=headers, check=_has(b"value_"))
        if form is None:
            return
        body = form.content
        gevent.sleep(self.think)
        # Values a little above the previous month's 1000: consumption, never a rollover or a leak.
        value = str(1003 + rounds + int(meter1) % 5)
        fields = {
            "csrfmiddlewaretoken": TOKEN_RE.search(body).group(1).decode(),
            "client_key": KEY_RE.search(body).group(1).decode(),
            "account": ACCOUNT_RE.search(body).group(1).decode(),
            f"value_{meter1}": value,
            f"value_{meter2}": value,
        }
        posted = self.call(
            http,
            step,
            "POST",
            "/readings/",
            "submit 2 meters",
            302,
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
            data=urllib.parse.urlencode(fields),
            check=lambda r: None if "/readings/receipt/" in _header(r, "location") else "not the receipt",
        )
        if posted is None:
            if not self.floor:  # an error or a timeout: stored or not, the customer cannot tell
                self.unconfirmed += [(int(meter1), value), (int(meter2), value)]
            return
        if not self.floor:
            self.submitted += [(int(meter1), value), (int(meter2), value)]
        receipt = _header(posted, "location")
        shown = self.call(http, step, "GET", receipt, "receipt", 200, headers=headers, check=_has(b'id="receipt-h"'))
        if shown is None:
            return
        if pdf:
            gevent.sleep(self.think)
            self.call(
                http,
                step,
                "GET",
                f"/invoices/{invoice}/receipt.pdf",
                "invoice PDF",
                200,
                headers=headers,
                check=lambda r: None if r.content.startswith(b"%PDF") else "not a PDF",
            )
        step.finished += 1

    def login(self, step: Step) -> None:
        """The login form, then the POST (CSRF, Argon2) with "remember me"; 302 to the dashboard."""
        n = self.next_login
        self.next_login += 1
        email = self.logins[n % len(self.logins)][0]
        http = self.session()
        # A returning browser: its CSRF cookie is already set (Django masks the form's token with it).
        csrf = secrets.token_hex(16)
        headers = {
            "Cookie": f"csrftoken={csrf}; django_language=en",
            "X-Forwarded-For": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}",
        }
        page = self.call(http, step, "GET", "/login/", "login form", 200, headers=headers)
        if page is None:
            return
        gevent.sleep(self.think)
        form = {
            "csrfmiddlewaretoken": TOKEN_RE.search(page.content).group(1).decode(),
            "identifier": email,
            "password": self.password,
            "remember": "on",
        }
        logged_in = self.call(
            http,
            step,
            "POST",
            "/login/",
            "login",
            302,
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
            data=urllib.parse.urlencode(form),
            check=lambda r: None if "sessionid=" in _header(r, "set-cookie") else "no session cookie",
        )
        if logged_in is not None:
            step.finished += 1


def _header(response, name: str) -> str:
    """A response header, its repeated lines (Set-Cookie) joined."""
    value = response.headers.get(name) if response.headers is not None else None
    return "\n".join(value) if isinstance(value, list) else (value or "")


def _has(marker: bytes):
    return lambda r: None if marker in (r.content or b"") else f"the page lacks {marker!r}"


def arrivals(journey, rate: float, seconds: float, seed: int) -> Step:
    """Start `journey` at the arrival times of a Poisson process of `rate` per second for
    `seconds`, each in a greenlet of its own; wait for them all to finish."""
    step = Step(rate)
    rng = random.Random(seed)
    group = gevent.pool.Group()
    started = time.monotonic()
    at = 0.0
    while True:
        at += rng.expovariate(rate)
        if at >= seconds:
            break
        delay = started + at - time.monotonic()
        if delay > 0:
            gevent.sleep(delay)
        else:
            step.lag_max_ms = max(step.lag_max_ms, -delay * 1000)
        group.spawn(journey, step)
        step.started += 1
        step.in_flight_max = max(step.in_flight_max, len(group))
    step.seconds = seconds
    group.join(timeout=DRAIN_SECONDS)
    step.unfinished = len(group)
    group.kill(block=True, timeout=5)
    step.wall = time.monotonic() - started
    return step


def profile(journeys: Journeys, count: int) -> dict:
    """CPU milliseconds per request of each page: `count` journeys one at a time (each with the
    PDF), the server's CPU read from /proc around every request. /proc counts in 10 ms ticks:
    the mean over many requests is what is accurate, not one request's figure."""
    journeys.profile = {}
    step = Step(0)
    for _ in range(count):
        journeys.customer(step, warm=True)
    pages, journeys.profile = journeys.profile, None
    out = {}
    for name, page in pages.items():
        out[name] = {
            "n": page["n"],
            "app_ms": round(1000 * page["app"] / page["n"], 1),
            "postgres_ms": round(1000 * page["postgres"] / page["n"], 1),
            "p50_ms": round(percentile(sorted(step.latencies.get(name, [])), 0.5), 1),
        }
        print(
            f"  profile {name:<16} n={page['n']:<4} CPU per request: app {out[name]['app_ms']:6.1f} ms, "
            f"PostgreSQL {out[name]['postgres_ms']:5.1f} ms; alone p50 {out[name]['p50_ms']:.1f} ms",
            flush=True,
        )
    return out


def passes(summary: dict, p99_ms: float) -> bool:
    pages = summary["pages"].values()
    return (
        bool(pages)
        and summary["unfinished"] == 0
        and all(p["errors"] == 0 and p["p99"] < p99_ms for p in pages)
        # A generator more than a second behind its schedule did not offer the rate.
        and summary["lag_max_ms"] < 1000
    )


def run(plan: dict) -> dict:
    env = Environment(events=events)
    env.create_local_runner()  # registers Locust's own statistics on the request event
    journeys = Journeys(env, plan)

    def on_request(name, response_time, exception, context, **_kwargs):
        step = context.get("step")
        if step is not None:
            step.record(name, response_time, str(exception) if exception else None)

    env.events.request.add_listener(on_request)
    results = {}
    # Workers import views, templates and WeasyPrint on their first requests: warm them all
    # (not counted) so the first step does not pay for it.
    for stream in plan["streams"]:
        if stream["kind"] == "customers":
            arrivals(functools.partial(journeys.customer, warm=True), 3, 8, seed=0)
        else:
            arrivals(journeys.login, 2, 4, seed=0)
    cpu_before = _cpu()
    if plan.get("profile_journeys"):
        results["profile"] = profile(journeys, plan["profile_journeys"])
    for stream in plan["streams"]:
        kind, rates, seconds = stream["kind"], stream["rates"], stream["seconds"]
        journey = journeys.customer if kind == "customers" else journeys.login
        steps = []
        for i, rate in enumerate(rates):
            before, generator = server_cpu(plan["port"], plan["database"]), _cpu()
            step = arrivals(journey, rate, seconds, seed=(1 if kind == "customers" else 2) * 1000 + i)
            after = server_cpu(plan["port"], plan["database"])
            summary = step.summary()
            used = {k: after[k] - before[k] for k in before}
            used["generator"] = _cpu() - generator
            # CPU milliseconds per journey: where a rate's cost goes (app, database, generator).
            summary["cpu_ms_per_journey"] = {k: round(1000 * v / max(step.started, 1), 2) for k, v in used.items()}
            # Cores this benchmark's processes got: well under the machine's means other work had the rest.
            summary["cores_used"] = round(sum(used.values()) / step.wall, 2)
            summary["passed"] = passes(summary, plan["p99_ms"])
            steps.append(summary)
            _print_step(kind, summary)
            if not summary["passed"] and stream.get("stop_on_failure", True):
                break
        results[kind] = steps
    results["submitted"] = journeys.submitted
    results["unconfirmed"] = journeys.unconfirmed
    results["generator_cpu_s"] = round(_cpu() - cpu_before, 2)
    print("\nLocust's own statistics over every step (response times rounded):", flush=True)
    print_stats(env.stats)
    return results


def server_cpu(port: int, database: str) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn serving `port` and by the PostgreSQL backends
    connected to `database` (not the other databases' on a shared server), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"app": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if "gunicorn" in cmdline and f":{port}" in cmdline:
            used["app"] += seconds
        elif cmdline.startswith("postgres: ") and f" {database} " in cmdline:
            used["postgres"] += seconds
    return used


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _print_step(kind: str, s: dict) -> None:
    verdict = "pass" if s["passed"] else "FAIL"
    print(
        f"  {kind} {s['rate']:g}/s: {s['started']} started ({s['achieved_rate']:g}/s), {s['finished']} completed, "
        f"{s['unfinished']} unfinished, at most {s['in_flight_max']} at once, generator lag <= {s['lag_max_ms']:.0f} ms"
        f"  [{verdict}]",
        flush=True,
    )
    cpu = s["cpu_ms_per_journey"]
    print(
        f"    CPU per journey: app {cpu.get('app', 0):.1f} ms, PostgreSQL {cpu.get('postgres', 0):.1f} ms, "
        f"generator {cpu['generator']:.1f} ms; the bench's processes used {s['cores_used']:.2f} cores, "
        f"load average {s['load_average_1min']:g}",
        flush=True,
    )
    for name, p in s["pages"].items():
        print(
            f"    {name:<16} n={p['n']:<6} p50 {p['p50']:7.1f}  p95 {p['p95']:7.1f}  p99 {p['p99']:7.1f}  "
            f"max {p['max']:7.1f} ms  errors {p['errors']}",
            flush=True,
        )
    for sample in s["error_samples"]:
        print(f"    error: {sample}", flush=True)


def main(argv: list[str]) -> int:
    plan = json.loads(Path(argv[0]).read_text())
    results = run(plan)
    Path(plan["output"]).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
