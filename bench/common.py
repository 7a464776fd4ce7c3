"""Shared helpers for benchmarks: recording figures with their ceiling and target, a throwaway
PostgreSQL database, the app under gunicorn with production settings, and load from wrk."""

import datetime as dt
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "var" / "bench" / "results.jsonl"
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kabinet_bench")


def record(
    name: str,
    value: float,
    unit: str,
    *,
    ceiling: float | None = None,
    target: str | None = None,
    extra: dict | None = None,
) -> dict:
    """Print one figure (with its ratio to the ceiling measured in the same run) and
    append it to var/bench/results.jsonl."""
    ratio = (value / ceiling) if ceiling else None
    row = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "ceiling": round(ceiling, 3) if ceiling is not None else None,
        "ratio": round(ratio, 4) if ratio is not None else None,
        "target": target,
        **(extra or {}),
    }
    line = f"{name}: {value:,.1f} {unit}"
    if ceiling is not None:
        line += f"  (ceiling {ceiling:,.1f}, ratio {ratio:.2%})"
    if target:
        line += f"  target: {target}"
    print(line, flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return row


def pg_recreate(url: str = PG_URL) -> str:
    """Drop and create the benchmark's PostgreSQL database; returns its URL."""
    name = url.rsplit("/", 1)[1]
    base = url.rsplit("/", 1)[0] + "/postgres"
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", base, "-q", "-c", sql], check=True)
    return url


def manage(*args: str, database_url: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run manage.py with the project's interpreter, optionally against another database."""
    env = {**os.environ}
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run([str(VENV_PYTHON), str(ROOT / "manage.py"), *args], env=env, check=check)


# --- Serving the app the way production does ------------------------------------------------
#
# gunicorn with 2 *sync* workers (one per core on the 2-core benchmark machine): PERFORMANCE.md
# measured a bare Django view at 3,000+ req/s this way, and sync workers are what production runs
# behind nginx (nginx buffers slow clients, so a sync worker is never held by one). Each worker
# keeps one persistent PostgreSQL connection (CONN_MAX_AGE), which made DB pages 3-4x faster;
# workers x app servers must stay under PostgreSQL's max_connections. Threaded servers (gthread,
# granian) multiply connections by threads and are not used here.

SERVER_WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a production-like app server (see README "Configuration")."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kabinet.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "DB_CONN_MAX_AGE": "600",
        # No TLS-terminating proxy in front of the benchmark: serve plain HTTP.
        "SECURE_SSL_REDIRECT": "0",
        "KABINET_DEMO": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.update(overrides)
    return env


@contextmanager
def serve(
    database_url: str,
    *,
    workers: int = SERVER_WORKERS,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Iterator[str]:
    """Run the app under gunicorn (sync workers) on a free port; yields its base URL.

    Waits until /healthz answers 200 and stops the server on exit. `env` overrides
    production_env() (e.g. {"DB_CONN_MAX_AGE": "0"} to measure without persistent connections).
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = ROOT / "var" / "bench" / f"gunicorn-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(VENV_PYTHON),
        "-m",
        "gunicorn",
        "kabinet.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--backlog=2048",
        "--timeout=60",
        f"--error-logfile={log_path}",
    ]
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=production_env(database_url, **(env or {})),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                status, _headers, _body = http_get(f"{base}/healthz", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                tail = log_path.read_text()[-3000:]
                raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f}s:\n{tail}")
            time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # graceful: the arbiter stops its workers
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def http_get(
    url: str, *, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One GET without following redirects: (status, headers, body)."""
    return http_request("GET", url, headers=headers, timeout=timeout)


def http_request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 30,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path or "/", body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    # Cookies are Secure in production; handled by hand so plain HTTP on loopback still works.
    jar = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()
    return jar


def login(base_url: str, identifier: str, password: str) -> str:
    """Log in through the portal's login form; returns a Cookie header for later requests."""
    status, headers, body = http_get(f"{base_url}/login/")
    if status != 200:
        raise RuntimeError(f"GET /login/ answered {status}")
    jar = _cookies(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not match or "csrftoken" not in jar:
        raise RuntimeError("the login page has no CSRF token")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1).decode(), "identifier": identifier, "password": password}
    ).encode()
    status, headers, _body = http_request(
        "POST",
        f"{base_url}/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
        },
    )
    jar.update(_cookies(headers))
    if status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"logging in as {identifier} failed (HTTP {status}, cookies {sorted(jar)})")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --- Load generation with wrk -------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    url: str
    connections: int
    duration: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors (connect, read, write, timeout) plus responses that were not 2xx/3xx
    non_2xx: int  # responses that were not 2xx/3xx (HTTP errors: the app failed)
    timeouts: int  # requests not answered within the timeout
    bytes_per_request: float

    def __str__(self) -> str:
        return (
            f"{self.url}: {self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
            f"{self.errors} errors ({self.requests:,} requests, -c{self.connections}, {self.duration:.0f} s)"
        )


def wrk_path() -> str:
    """The wrk binary; installed from Debian's package when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("benchmarks need wrk: install the Debian package (apt-get install wrk) or run as root")
    print("installing wrk (apt-get install wrk)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"env": env, "stdout": subprocess.DEVNULL}
    if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, **quiet).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True, **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, **quiet)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("apt-get installed wrk but it is not on PATH")
    return found


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict:
    """The figures of `wrk --latency` output."""

    def find(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if not match:
            raise ValueError(f"unexpected wrk output (no {pattern!r}):\n{output}")
        return match

    requests, seconds, size, unit = find(r"^\s*(\d+) requests in ([\d.]+\w+), ([\d.]+)(\w+) read").groups()
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    socket_errors = [int(n) for n in socket.groups()] if socket else [0, 0, 0, 0]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    non_2xx = int(non_2xx.group(1)) if non_2xx else 0
    return {
        "requests": int(requests),
        "seconds": _ms(seconds) / 1000,
        "rps": float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        "p50_ms": _ms(find(r"^\s+50%\s+([\d.]+\w+)").group(1)),
        "p99_ms": _ms(find(r"^\s+99%\s+([\d.]+\w+)").group(1)),
        "errors": sum(socket_errors) + non_2xx,
        "non_2xx": non_2xx,
        "timeouts": socket_errors[3],
        "bytes": float(size) * _SIZES[unit],
    }


def load(
    url: str,
    *,
    connections: int = 50,
    duration: float = 10,
    threads: int = 2,
    cookie: str | None = None,
    headers: dict[str, str] | None = None,
    script: Path | str | None = None,
    timeout: float = 10,
) -> Load:
    """Drive `url` with wrk: `connections` open connections for `duration` seconds.

    `cookie` is sent as the Cookie header (a logged-in session); `script` is a wrk Lua script
    (e.g. to POST or to vary the path). A request unanswered after `timeout` seconds counts as
    an error (wrk's own default, 2 s, turns a slow run on a busy machine into errors).
    """
    cmd = [
        wrk_path(),
        "--latency",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{duration:g}s",
        f"--timeout={timeout:g}s",
    ]
    for name, value in {**(headers or {}), **({"Cookie": cookie} if cookie else {})}.items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    f = parse_wrk(result.stdout)
    return Load(
        url=url,
        connections=connections,
        duration=f["seconds"],
        requests=f["requests"],
        rps=f["rps"],
        p50_ms=f["p50_ms"],
        p99_ms=f["p99_ms"],
        errors=f["errors"],
        non_2xx=f["non_2xx"],
        timeouts=f["timeouts"],
        bytes_per_request=f["bytes"] / max(f["requests"], 1),
    )
