"""The last evening of a reading window through the real HTTP stack.

gunicorn (gthread) + PostgreSQL. Customers log in (Argon2, as in production) and submit
two meters each through the portal form; then the same through the API with personal
tokens. wrk drives 50 concurrent connections; the bare /healthz view on the same server
in the same run is the ceiling. Afterwards the database is checked: every successful
submission stored, exactly one current reading per meter, nothing lost or doubled.

Targets (issue 4): portal form ≥ 15 % of the ceiling, API ≥ 25 %, p99 < 250 ms at 50
concurrent clients, zero errors.

Then the floor: a second server runs the same portal and API requests with the submission
service replaced by a no-op (bench/readings_floor.py), against its own bare view. What it
reaches is what the login, the form or JSON handling, the receipt and the response leave
for the submission: no faster submission can bring a door above its floor.
"""

import http.client
import json
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from bench.common import record, wrk_path
from bench.readings_common import PASSWORD, Gunicorn, django_ready, seed

CUSTOMERS = int(os.environ.get("READINGS_BENCH_CUSTOMERS", "600"))
DURATION = os.environ.get("READINGS_BENCH_DURATION", "15s")
CONNECTIONS = int(os.environ.get("READINGS_BENCH_CONNECTIONS", "50"))
WRK_THREADS = int(os.environ.get("READINGS_BENCH_WRK_THREADS", "2"))

LUA = r"""
local sessions = {}
local threads = {}
local counter = 0
local mode = "%(mode)s"

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local n = 0
  for line in io.lines("%(sessions)s") do
    if n %% %(nthreads)d == tid then
      local f = {}
      for w in line:gmatch("%%S+") do table.insert(f, w) end
      table.insert(sessions, f)
    end
    n = n + 1
  end
  ok = 0
  bad = 0
end

function request()
  counter = counter + 1
  local s = sessions[(counter - 1) %% #sessions + 1]
  local round = math.floor((counter - 1) / #sessions)
  local value = tostring(1000 + round)
  if mode == "portal" then
    local body = "csrfmiddlewaretoken=" .. s[3]
      .. "&value_" .. s[4] .. "=" .. value .. "&value_" .. s[5] .. "=" .. value
    return wrk.format("POST", "/readings/", {
      ["Cookie"] = "sessionid=" .. s[1] .. "; csrftoken=" .. s[2] .. "; django_language=en",
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
  else
    return wrk.format("POST", "/api/v1/readings/meters/" .. s[2] .. "/readings", {
      ["Authorization"] = "Bearer " .. s[1],
      ["Content-Type"] = "application/json",
    }, '{"value": "' .. value .. '"}')
  end
end

function response(status, headers, body)
  if status == %(ok_status)d then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local okc, badc = 0, 0
  for _, t in ipairs(threads) do okc = okc + t:get("ok"); badc = badc + t:get("bad") end
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\n", summary.requests, okc, badc,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
"""


def cpu_seconds(port: int) -> dict[str, float]:
    """CPU seconds used so far by this bench's gunicorn processes and by PostgreSQL (every
    postgres process: backends, WAL writer, checkpointer), read from /proc; empty elsewhere.
    Per request, they tell where a phase's CPU went: the app server or the database."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    used = {"app": 0.0, "postgres": 0.0}
    proc = Path("/proc")
    if not proc.is_dir():
        return {}
    for entry in proc.iterdir():
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
        elif stat.split(" ", 2)[1].startswith("(postgres"):
            used["postgres"] += seconds
    return used


def cpu_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request of each side between two cpu_seconds() readings."""
    if not before or not requests:
        return {}
    return {f"cpu_{k}_ms": round(1000 * (after[k] - before[k]) / requests, 2) for k in before}


def wrk_plain(url: str) -> tuple[float, float, float]:
    out = subprocess.run(
        [wrk_path(), f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # Anchored at the start of the line: "Latency … 84.99%" (the stdev column) also ends in "99%".
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)
    return rps, _ms(p50), _ms(p99)


def _ms(text: str) -> float:
    number = float(re.match(r"[\d.]+", text).group(0))
    return number * {"us": 0.001, "ms": 1, "s": 1000}[re.search(r"[a-z]+$", text).group(0)]


def wrk_lua(url: str, mode: str, sessions_file: str, ok_status: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(LUA % {"mode": mode, "sessions": sessions_file, "nthreads": WRK_THREADS, "ok_status": ok_status})
        script = fh.name
    out = subprocess.run(
        [wrk_path(), f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}", "--timeout", "10s", "-s", script, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script)
    result = re.search(r"RESULT (.+)", out)
    if result is None:
        raise RuntimeError(f"wrk ({mode}) printed no result:\n{out}")
    requests, ok, bad, p50, p99, duration = map(int, result.group(1).split())
    # Connect/read/write errors and timeouts never reach response(): count them as errors too.
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    bad += sum(map(int, socket_errors.groups())) if socket_errors else 0
    return {
        "requests": requests,
        "ok": ok,
        "bad": bad,
        "p50": p50 / 1000,
        "p99": p99 / 1000,
        "rps": ok / (duration / 1e6),
    }


class Browser:
    """A minimal cookie-keeping HTTP client (ignores the Secure flag: the bench is plain HTTP)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {"django_language": "en"}

    def request(self, method, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data


TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def log_in_all(port: int, people, sessions_file: Path) -> tuple[float, list[float]]:
    """Every customer logs in and opens the readings form; returns logins/s and page latencies."""
    lines: list[str] = [""] * len(people)
    latencies: list[float] = []
    lock = threading.Lock()
    index = iter(range(len(people)))

    def worker():
        while True:
            with lock:
                i = next(index, None)
            if i is None:
                return
            _uid, email, _account, meters = people[i]
            b = Browser(port)
            _s, page = b.request("GET", "/login/")
            token = TOKEN_RE.search(page).group(1)
            status, _ = b.request(
                "POST", "/login/", {"csrfmiddlewaretoken": token, "identifier": email, "password": PASSWORD}
            )
            assert status == 302, f"login failed for {email}: {status}"
            started = time.perf_counter()
            status, page = b.request("GET", "/readings/")
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
            assert status == 200, status
            form_token = TOKEN_RE.search(page).group(1)
            lines[i] = f"{b.cookies['sessionid']} {b.cookies['csrftoken']} {form_token} {meters[0]} {meters[1]}"

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    sessions_file.write_text("\n".join(lines) + "\n")
    return len(people) / elapsed, latencies


def check_database(ok_portal: int, ok_api: int) -> dict:
    """Rows against successful responses (requests still in flight when wrk stops are stored
    but not counted by wrk: at most one per connection), duplicates, and whether the current
    reading of every meter is the latest one submitted."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "SELECT source, COUNT(*) FROM meters_reading WHERE status IN ('accepted','superseded') GROUP BY source"
        )
        rows = dict(c.fetchall())
        c.execute("SELECT COUNT(*) FROM meters_reading WHERE status = 'rejected'")
        rejected = c.fetchone()[0]
        c.execute(
            "SELECT COUNT(*) FROM (SELECT meter_id, source, value FROM meters_reading "
            "GROUP BY meter_id, source, value HAVING COUNT(*) > 1) d"
        )
        duplicated = c.fetchone()[0]
        c.execute(
            "SELECT COUNT(*) FROM (SELECT meter_id, period FROM meters_reading "
            "WHERE status IN ('accepted','estimated') GROUP BY meter_id, period HAVING COUNT(*) > 1) d"
        )
        doubled_current = c.fetchone()[0]
        c.execute(
            "SELECT COUNT(*) FROM (SELECT meter_id, MAX(id) AS last_id FROM meters_reading "
            "WHERE status <> 'rejected' GROUP BY meter_id) m JOIN meters_reading r ON r.id = m.last_id "
            "WHERE r.status <> 'accepted'"
        )
        latest_not_current = c.fetchone()[0]
    return {
        "portal_rows": rows.get("portal", 0),
        "portal_ok_x2": ok_portal * 2,
        "api_rows": rows.get("api", 0),
        "api_ok": ok_api,
        "lost": max(0, ok_portal * 2 - rows.get("portal", 0)) + max(0, ok_api - rows.get("api", 0)),
        "in_flight_at_stop": rows.get("portal", 0) - ok_portal * 2 + rows.get("api", 0) - ok_api,
        "duplicated": duplicated,
        "rejected": rejected,
        "doubled_current": doubled_current,
        "latest_not_current": latest_not_current,
    }


def warm_ceiling(server: Gunicorn) -> tuple[float, float, float]:
    """The bare view's req/s, p50 and p99, measured after a warm-up: workers import the app
    on their first requests, and a cold ceiling would flatter the ratios."""
    subprocess.run([wrk_path(), "-t1", f"-c{CONNECTIONS}", "-d3s", f"{server.url}/healthz"], capture_output=True)
    return wrk_plain(f"{server.url}/healthz")


def submit_phases(server: Gunicorn, work: Path) -> tuple[float, dict, dict]:
    """The portal form, the bare view again, then the API, each submission phase with its CPU
    per request. Returns (the second ceiling in req/s, portal, api)."""
    before = cpu_seconds(server.port)
    portal = wrk_lua(server.url, "portal", str(work / "sessions.txt"), 302)
    portal.update(cpu_per_request(before, cpu_seconds(server.port), portal["requests"]))
    ceiling2, _c50, _c99 = wrk_plain(f"{server.url}/healthz")
    before = cpu_seconds(server.port)
    api = wrk_lua(server.url, "api", str(work / "api.txt"), 201)
    api.update(cpu_per_request(before, cpu_seconds(server.port), api["requests"]))
    return ceiling2, portal, api


def main() -> None:
    django_ready()
    people = seed(CUSTOMERS)
    from kabinet.customers.models import User
    from kabinet.customers.services.api_tokens import api_token_create

    users = {u.pk: u for u in User.objects.filter(pk__in=[p[0] for p in people])}
    api_lines = []
    for uid, _email, _account, meters in people:
        _row, token = api_token_create(user=users[uid], name="bench")
        # The API run submits the second meter only, so portal and API figures stay separate.
        api_lines.append(f"{token} {meters[1]}")
    work = Path(tempfile.mkdtemp(prefix="readings-bench-"))
    (work / "api.txt").write_text("\n".join(api_lines) + "\n")
    server = Gunicorn(workers=3, threads=4)
    try:
        ceiling = warm_ceiling(server)
        logins, page_ms = log_in_all(server.port, people, work / "sessions.txt")
        ceiling2, portal, api = submit_phases(server, work)
    finally:
        server.stop()
    # The floor: the same again with the submission service replaced by a no-op (see
    # bench/readings_floor.py), on a server of its own.
    floor_server = Gunicorn(workers=3, threads=4, config=str(Path(__file__).with_name("readings_floor.py")))
    try:
        floor_ceiling = warm_ceiling(floor_server)
        floor_ceiling2, floor_portal, floor_api = submit_phases(floor_server, work)
    finally:
        floor_server.stop()
    floor_avg = (floor_ceiling[0] + floor_ceiling2) / 2
    ceiling_avg = (ceiling[0] + ceiling2) / 2
    c50, c99 = ceiling[1], ceiling[2]
    check = check_database(portal["ok"], api["ok"])
    extra = {"customers": CUSTOMERS, "connections": CONNECTIONS, "duration": DURATION}
    record("readings_http.healthz", ceiling_avg, "req/s", extra={**extra, "p50_ms": c50, "p99_ms": c99})
    record(
        "readings_http.login", logins, "logins/s", extra={**extra, "readings_page_p50_ms": statistics.median(page_ms)}
    )
    record(
        "readings_http.portal_submit",
        portal["rps"],
        "submissions/s",
        ceiling=ceiling_avg,
        target="≥15% of ceiling, p99 < 250 ms, 0 errors",
        extra={
            **extra,
            "p50_ms": portal["p50"],
            "p99_ms": portal["p99"],
            "errors": portal["bad"],
            "meters": 2,
            **{k: v for k, v in portal.items() if k.startswith("cpu_")},
        },
    )
    record(
        "readings_http.api_submit",
        api["rps"],
        "submissions/s",
        ceiling=ceiling_avg,
        target="≥25% of ceiling, p99 < 250 ms, 0 errors",
        extra={
            **extra,
            "p50_ms": api["p50"],
            "p99_ms": api["p99"],
            "errors": api["bad"],
            **{k: v for k, v in api.items() if k.startswith("cpu_")},
        },
    )
    for name, run in (("portal", floor_portal), ("api", floor_api)):
        record(
            f"readings_http.{name}_floor",
            run["rps"],
            "requests/s",
            ceiling=floor_avg,
            target="none: the same requests with a no-op submission; a target above this is out of reach",
            extra={
                **extra,
                "p50_ms": run["p50"],
                "p99_ms": run["p99"],
                "errors": run["bad"],
                **{k: v for k, v in run.items() if k.startswith("cpu_")},
            },
        )
    print(
        f"portal p50 {portal['p50']:.1f} ms, p99 {portal['p99']:.1f} ms, errors {portal['bad']}; "
        f"api p50 {api['p50']:.1f} ms, p99 {api['p99']:.1f} ms, errors {api['bad']}"
    )
    for name, run in (("portal", portal), ("api", api), ("portal floor", floor_portal), ("api floor", floor_api)):
        if "cpu_app_ms" in run:
            app_ms, pg_ms = run["cpu_app_ms"], run["cpu_postgres_ms"]
            print(f"{name}: CPU per request {app_ms:.2f} ms in gunicorn, {pg_ms:.2f} ms in PostgreSQL")
    print("database check:", json.dumps(check))
    record(
        "readings_http.integrity",
        check["lost"] + check["duplicated"] + check["doubled_current"] + check["latest_not_current"],
        "problems",
        target="0 lost, 0 duplicated, current = latest",
        extra=check,
    )


if __name__ == "__main__":
    main()
