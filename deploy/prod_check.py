"""`make prod-check`: the production stack on this machine, checked end to end.

Where containers run, deploy/compose.yaml starts the same system; this check does not need
them. It runs the processes of the systemd units instead, their ExecStart lines read from
deploy/systemd/*.service (so the check and the units cannot drift), with the environment of
deploy/kabinet.env.example (DEBUG=0), against:

- a scratch PostgreSQL database (`kabinet_prodcheck_<pid>`, dropped at the end),
- the local Redis (PRODCHECK_REDIS_URL, default database 13, flushed before and after),
- the local nginx with deploy/nginx.conf (ports, upstream, certificate and static paths
  rewritten) on free ports, with a self-signed certificate made with openssl,
- an SMTP receiver (aiosmtpd, in this process) standing in for the mail server.

Then it checks, through nginx: /healthz and /readyz, TLS with HTTP/2, the redirect to HTTPS,
the security headers, a static file served by nginx, the demo customer's login, a reading
submitted through the portal's form, and its receipt e-mail leaving the outbox and reaching
the SMTP server (sent by the Celery worker); then the request id and the JSON request log,
and /metrics: refused without its token, answered with it. Everything is torn down at the
end, whatever happens (also on Ctrl-C or SIGTERM).
"""

import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
# What is deployed: a copy of these, taken at the start, as a release in /opt/kabinet would be
# (the checkout may change under a running check: someone saves a file, adds a migration).
RELEASE = ["manage.py", "pyproject.toml", "kabinet", "templates", "static", "locale", "deploy"]
PG_ADMIN_URL = os.environ.get("PRODCHECK_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PRODCHECK_REDIS_URL", "redis://127.0.0.1:6379/13")
UNITS = ["kabinet-web", "kabinet-worker", "kabinet-beat"]
CUSTOMER, PASSWORD = "alice@example.com", "kabinet-demo"
STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.1f}s] {message}", flush=True)


def expect(what: str, ok: bool, detail: object = "") -> None:
    say(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""))
    if not ok:
        raise SystemExit(1)


def free_port() -> int:
    """A free port below the kernel's ephemeral range: a port the kernel hands out for
    outgoing connections (the worker's to Redis, the app's to PostgreSQL) could be taken
    between choosing it here and the server binding it (seen in CI: "Connection in use")."""
    low, _high = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    rng = secrets.SystemRandom()
    for _attempt in range(200):
        port = rng.randrange(20000, max(20001, min(low, 32768)))
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def exec_start(code: Path, unit: str) -> list[str]:
    """The unit's ExecStart command line, split as systemd would (no variables used)."""
    text = (code / "deploy" / "systemd" / f"{unit}.service").read_text()
    match = re.search(r"^ExecStart=(.+)$", text, re.MULTILINE)
    if not match:
        raise SystemExit(f"{unit}.service has no ExecStart line")
    return shlex.split(match.group(1))


def unit_setting(code: Path, unit: str, name: str) -> list[str]:
    """The values of a unit's `name=` lines (Environment=, RuntimeDirectory=), in order."""
    text = (code / "deploy" / "systemd" / f"{unit}.service").read_text()
    return re.findall(rf"^{name}=(.+)$", text, re.MULTILINE)


def env_template(code: Path) -> dict[str, str]:
    """The uncommented NAME=value lines of deploy/kabinet.env.example."""
    values = {}
    for line in (code / "deploy" / "kabinet.env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


class Stack:
    """Everything started, in order, so that down() can undo it whatever has happened."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="kabinet-prodcheck-"))
        self.tmp.chmod(0o755)  # nginx's workers (another user when run as root) read static/
        self.code = code = self.tmp / "release"
        try:
            self.release_copy()
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        self.db = f"kabinet_prodcheck_{os.getpid()}"
        self.db_created = False
        self.processes: dict[str, subprocess.Popen] = {}
        self.smtp = None
        self.mail: list = []
        ports: list[int] = []
        while len(ports) < 4:  # four different ones
            if (port := free_port()) not in ports:
                ports.append(port)
        self.app_port, self.http_port, self.https_port, self.smtp_port = ports
        self.var = self.tmp / "var"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))},
            **env_template(code),
            "DJANGO_SETTINGS_MODULE": "kabinet.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "SITE_URL": f"https://localhost:{self.https_port}",
            "CSRF_TRUSTED_ORIGINS": f"https://localhost:{self.https_port}",
            "DATABASE_URL": urllib.parse.urlsplit(PG_ADMIN_URL)._replace(path=f"/{self.db}").geturl(),
            "REDIS_URL": REDIS_URL,
            "KABINET_VAR_DIR": str(self.var),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_USE_TLS": "0",
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "WARNING",
            "METRICS_TOKEN": secrets.token_urlsafe(32),
            "PATH": f"{VENV / 'bin'}:{os.environ.get('PATH', '')}",
            # The release's code, not the checkout's (installed in .venv in editable mode).
            "PYTHONPATH": str(code),
        }
        for name in ("SECRET_KEY_FILE", "DATABASE_URL_FILE", "CELERY_TASK_ALWAYS_EAGER"):
            self.env.pop(name, None)

    # --- pieces ---------------------------------------------------------------------
    def release_copy(self) -> None:
        for name in RELEASE:
            source, target = ROOT / name, self.code / name
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "tests"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)

    def psql(self, sql: str) -> None:
        subprocess.run(["psql", PG_ADMIN_URL, "-qAtc", sql], check=True, capture_output=True)

    def redis_flush(self) -> None:
        import redis

        client = redis.Redis.from_url(self.env["REDIS_URL"], socket_timeout=5)
        try:
            client.flushdb()
        finally:
            client.close()

    def query(self, code: str):
        """What `code`, run by `manage.py shell` in the scratch database, prints last as JSON."""
        return json.loads(self.manage("shell", "-v", "0", "-c", code).strip().splitlines()[-1])

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [str(VENV / "bin" / "python"), "manage.py", *args],
            cwd=self.code,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
        return result.stdout

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.tmp / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            argv, cwd=self.code, env=env or self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def unit_env(self, unit: str) -> dict[str, str]:
        """The environment file's variables plus the unit's own Environment= lines, with its
        RuntimeDirectory= (/run/NAME, made empty at each start by systemd) made here."""
        run = self.tmp / "run"
        for name in unit_setting(self.code, unit, "RuntimeDirectory"):
            shutil.rmtree(run / name, ignore_errors=True)
            (run / name).mkdir(parents=True)
        env = dict(self.env)
        for line in unit_setting(self.code, unit, "Environment"):
            for assignment in shlex.split(line):
                key, _, value = assignment.partition("=")
                env[key] = re.sub(r"^/run/", f"{run}/", value).replace("/var/lib/kabinet", str(self.var))
        return env

    def unit_command(self, unit: str) -> list[str]:
        """ExecStart with this machine's paths: the checkout instead of /opt/kabinet, the
        scratch directory instead of /var/lib/kabinet, a free port instead of 8000."""
        argv = []
        for arg in exec_start(self.code, unit):
            arg = arg.replace("/opt/kabinet/.venv", str(VENV)).replace("/opt/kabinet", str(self.code))
            arg = arg.replace("/var/lib/kabinet", str(self.var))
            argv.append(arg.replace("127.0.0.1:8000", f"127.0.0.1:{self.app_port}"))
        return argv

    def certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost", "-keyout", self.tmp / "key.pem", "-out", self.tmp / "cert.pem"],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def nginx_conf(self) -> Path:
        site = (self.code / "deploy" / "nginx.conf").read_text()
        replacements = {
            "server 127.0.0.1:8000;": f"server 127.0.0.1:{self.app_port};",
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "/etc/letsencrypt/live/kabinet.example.lv/fullchain.pem": str(self.tmp / "cert.pem"),
            "/etc/letsencrypt/live/kabinet.example.lv/privkey.pem": str(self.tmp / "key.pem"),
            "alias /var/lib/kabinet/static/;": f"alias {self.var}/static/;",
        }
        for old, new in replacements.items():
            if old not in site:
                raise SystemExit(f"deploy/nginx.conf changed: {old!r} not found; update deploy/prod_check.py")
            site = site.replace(old, new)
        (self.tmp / "site.conf").write_text(site)
        temp = self.tmp / "nginx-temp"
        temp.mkdir()
        temp.chmod(0o777)
        paths = "".join(
            f" {kind}_temp_path {temp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        main = self.tmp / "nginx.conf"
        main.write_text(
            f"pid {self.tmp}/nginx.pid;\nerror_log {self.tmp}/nginx-error.log;\nworker_processes 1;\n"
            f"events {{ worker_connections 256; }}\n"
            f"http {{\n include /etc/nginx/mime.types;\n access_log {self.tmp}/nginx-access.log;\n{paths}"
            f" include {self.tmp}/site.conf;\n}}\n"
        )
        return main

    def smtp_start(self) -> None:
        from aiosmtpd.controller import Controller

        mail = self.mail

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                mail.append(envelope)
                return "250 OK"

        self.smtp = Controller(Handler(), hostname="127.0.0.1", port=self.smtp_port)
        self.smtp.start()

    def wait_http(self, url: str, limit: float = 60) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise SystemExit(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")
            try:
                if request("GET", url, context=self.tls)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{url} did not answer 200 within {limit:.0f}s")

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.tmp / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    # --- up and down ----------------------------------------------------------------
    def up(self) -> None:
        self.redis_flush()
        self.psql(f'CREATE DATABASE "{self.db}"')
        self.db_created = True
        say(f"scratch database {self.db}, Redis {REDIS_URL} (flushed), files in {self.tmp}")
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("collectstatic", "--noinput", "-v", "0")
        self.manage("check", "--deploy", "--fail-level", "WARNING")
        self.manage("seed_demo", "--accounts", "20", "--url", self.env["SITE_URL"])
        # The reading window open today whatever the date, as bench/readings_common.py does.
        self.manage("shell", "-c", "from kabinet.utility.models import UtilityProfile as P; "
                    "P.objects.filter(pk=1).update(reading_window_first_day=1, reading_window_last_day=0)")  # fmt: skip
        say("migrated, static files collected, check --deploy clean, demo seeded")
        running = self.query("import json, kabinet; print(json.dumps(kabinet.__file__))")
        if not running.startswith(str(self.code)):
            raise SystemExit(f"the release copy is not the code that runs: {running}")
        self.certificate()
        self.tls = ssl.create_default_context(cafile=str(self.tmp / "cert.pem"))  # http.client: HTTP/1.1
        self.tls_h2 = ssl.create_default_context(cafile=str(self.tmp / "cert.pem"))
        self.tls_h2.set_alpn_protocols(["h2", "http/1.1"])
        self.smtp_start()
        for unit in UNITS:
            argv = self.unit_command(unit)
            say(f"{unit}: {shlex.join(argv)}")
            self.start(unit, argv, self.unit_env(unit))
        main = self.nginx_conf()
        test = subprocess.run(["nginx", "-t", "-c", str(main)], capture_output=True, text=True)
        if test.returncode:
            raise SystemExit(f"nginx -t failed:\n{test.stderr}")
        self.start("nginx", ["nginx", "-c", str(main), "-g", "daemon off;"])
        self.wait_http(f"https://localhost:{self.https_port}/healthz")
        say("gunicorn, worker, beat and nginx are up")

    def down(self) -> None:
        for proc in reversed(self.processes.values()):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.processes.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        if self.smtp is not None:
            self.smtp.stop()
        if self.db_created:
            self.psql(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        try:
            self.redis_flush()
        except Exception as error:  # Redis down: nothing to clean there
            say(f"could not flush Redis: {error!r}")
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- HTTP(S) ------------------------------------------------------------------------------
def request(method: str, url: str, *, context=None, headers=None, body: bytes | None = None, timeout: float = 30):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=timeout)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


class Browser:
    """Cookies and CSRF by hand, over TLS verified against the scratch certificate."""

    def __init__(self, base: str, context) -> None:
        self.base, self.context, self.cookies = base, context, {"django_language": "en"}

    def go(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base + path}
        status, response_headers, page = request(
            method, self.base + path, context=self.context, headers=headers, body=body
        )
        for header in response_headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return status, response_headers, page

    @staticmethod
    def token(page: bytes) -> str:
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not match:
            raise SystemExit("no CSRF token on the page")
        return match.group(1).decode()


# --- The checks ---------------------------------------------------------------------------
def check(stack: Stack) -> None:
    https = f"https://localhost:{stack.https_port}"
    http = f"http://127.0.0.1:{stack.http_port}"

    status, _, body = request("GET", f"{http}/healthz")
    expect("/healthz answers plain HTTP through nginx (the probe)", status == 200 and body == b"ok", status)
    status, headers, _ = request("GET", f"{http}/login/", headers={"Host": "localhost"})
    expect("plain HTTP is redirected to HTTPS", status == 301 and headers["Location"].startswith("https://"), status)
    status, _, body = request("GET", f"{https}/readyz", context=stack.tls)
    ready = json.loads(body) if status == 200 else body
    expect(
        "/readyz: database, Redis and migrations ready",
        ready == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "redis": "ok"}},
        ready,
    )
    with socket.create_connection(("127.0.0.1", stack.https_port), timeout=10) as raw:
        with stack.tls_h2.wrap_socket(raw, server_hostname="localhost") as tls:
            expect(
                "TLS with a verified certificate, HTTP/2 offered", tls.selected_alpn_protocol() == "h2", tls.version()
            )

    browser = Browser(https, stack.tls)
    status, headers, page = browser.go("GET", "/login/")
    expect("the login page is served over HTTPS", status == 200 and b'name="identifier"' in page, status)
    wanted = {
        "Strict-Transport-Security": "max-age=",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "default-src",
        "Referrer-Policy": "",
    }
    missing = [name for name, value in wanted.items() if value not in (headers[name] or "") or headers[name] is None]
    expect("security headers: " + ", ".join(wanted), not missing, missing)
    cookies = headers.get_all("Set-Cookie") or []
    expect("cookies are Secure", cookies and all("Secure" in c for c in cookies), cookies)
    expect("the demo logins are not shown", PASSWORD.encode() not in page)

    status, headers, css = browser.go("GET", "/static/css/kabinet.css")
    expect(
        "a static file served by nginx (collectstatic, nginx's alias)",
        status == 200 and len(css) > 100 and "immutable" in ", ".join(headers.get_all("Cache-Control") or []),
        (status, headers.get_all("Cache-Control")),
    )

    status, headers, _ = browser.go(
        "POST", "/login/", {"csrfmiddlewaretoken": browser.token(page), "identifier": CUSTOMER, "password": PASSWORD}
    )
    expect("the customer logs in", status == 302 and "sessionid" in browser.cookies, status)
    status, _, page = browser.go("GET", "/")
    expect("the customer sees the dashboard", status == 200 and b'id="meters-h"' in page, status)

    status, _, form = browser.go("GET", "/readings/")
    expect("the readings form opens", status == 200, status)
    meters = stack.query(LAST_VALUES)
    fields = {
        f"value_{meter_id}": value for meter_id, value in meters.items() if f'name="value_{meter_id}"'.encode() in form
    }
    expect("the form has the customer's meters", bool(fields), sorted(meters))
    field, value = next(iter(fields.items()))
    sent_at = time.monotonic()
    status, headers, page = browser.go("POST", "/readings/", {"csrfmiddlewaretoken": browser.token(form), field: value})
    if status == 302:
        status, _, page = browser.go("GET", headers["Location"])
    stored = stack.query(READING_STORED % {"meter": field.split("_")[1], "value": value})
    expect(f"a reading submitted through the form is stored ({field}={value})", stored == "accepted", stored)

    deadline = time.monotonic() + 90
    receipt = None
    while receipt is None and time.monotonic() < deadline:
        receipt = next((m for m in stack.mail if CUSTOMER in m.rcpt_tos), None)
        time.sleep(0.3)
    expect(
        "the receipt e-mail left the outbox and reached the SMTP server",
        receipt is not None,
        stack.tail("kabinet-worker"),
    )
    subject = re.search(rb"^Subject: (.*)$", receipt.content, re.MULTILINE)
    say(f"     receipt: {subject.group(1).decode(errors='replace') if subject else '?'}, "
        f"{time.monotonic() - sent_at:.1f}s after the submission")  # fmt: skip
    outbox = stack.query(OUTBOX_STATUS % {"to": CUSTOMER})
    expect("the outbox row is marked sent", "sent" in outbox, outbox)
    check_observability(stack)


def check_observability(stack: Stack) -> None:
    """The request id, the JSON request log, and /metrics with its token (README, "Observability")."""
    https = f"https://localhost:{stack.https_port}"
    status, headers, _ = request("GET", f"{https}/login/", context=stack.tls)
    expect(
        "a response carries X-Request-ID (nginx's $request_id)",
        status == 200 and re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"] or ""),
        headers["X-Request-ID"],
    )
    ours = f"prodcheck-{secrets.token_hex(4)}"
    status, headers, _ = request("GET", f"{https}/login/", context=stack.tls, headers={"X-Request-ID": ours})
    expect("an incoming X-Request-ID is kept and answered", headers["X-Request-ID"] == ours, headers["X-Request-ID"])
    deadline = time.monotonic() + 10
    line = None
    while line is None and time.monotonic() < deadline:
        for text in stack.tail("kabinet-web", 400).splitlines():
            if ours in text and text.startswith("{"):
                line = json.loads(text)
        time.sleep(0.2)
    expect(
        "the request's log line is JSON with its id, path, status and duration",
        line is not None and line.get("request_id") == ours and line.get("path") == "/login/"
        and line.get("status") == 200 and "duration_ms" in line and line.get("level") == "INFO",
        line,
    )  # fmt: skip

    token = stack.env["METRICS_TOKEN"]
    status, _, _ = request("GET", f"{https}/metrics", context=stack.tls)
    expect("/metrics is refused through nginx without a token", status == 403, status)
    status, _, _ = request("GET", f"{https}/metrics", context=stack.tls, headers={"Authorization": "Bearer wrong"})
    expect("/metrics is refused with a wrong token", status == 403, status)
    status, _, body = request(
        "GET", f"{https}/metrics", context=stack.tls, headers={"Authorization": f"Bearer {token}"}
    )
    text = body.decode(errors="replace")
    counted = re.search(r"^django_http_requests_before_middlewares_total (\S+)$", text, re.MULTILINE)
    expect(
        "/metrics answers the token: the workers' requests added up, the domain's gauges once",
        status == 200 and counted and float(counted.group(1)) > 5
        and text.count("# TYPE kabinet_domain_metrics_up gauge") == 1 and "kabinet_domain_metrics_up 1.0" in text
        and 'kabinet_celery_queue_length{queue="celery"}' in text,
        (status, text[-1500:]),
    )  # fmt: skip
    status, _, _ = request("GET", f"http://127.0.0.1:{stack.app_port}/metrics")
    expect("/metrics answers a scraper on the same host without a token (gunicorn directly)", status == 200, status)


# Read through manage.py shell, in the scratch database, printed as JSON.
LAST_VALUES = """
import json
from kabinet.meters.models import Meter, Reading
meters = Meter.objects.filter(premises__accounts__accesses__user__email="alice@example.com").distinct()
out = {}
for m in meters:
    last = Reading.objects.filter(meter=m, status="accepted").order_by("-period", "-id").first()
    out[m.pk] = str((last.value if last else 0) + 1)
print(json.dumps(out))
"""
READING_STORED = """
import json
from kabinet.meters.models import Reading
r = Reading.objects.filter(meter_id=%(meter)s, value="%(value)s").order_by("-id").first()
print(json.dumps(r.status if r else None))
"""
OUTBOX_STATUS = """
import json
from kabinet.notifications.models import OutboxMessage
receipts = OutboxMessage.objects.filter(to="%(to)s", kind="reading_receipt")
print(json.dumps(sorted(set(receipts.values_list("status", flat=True)))))
"""


def main() -> None:
    for tool in ("psql", "nginx", "openssl"):
        if not shutil.which(tool):
            raise SystemExit(f"prod-check needs {tool} (Debian: postgresql-client, nginx-light, openssl)")

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stack = Stack()
    failed = True
    try:
        stack.up()
        check(stack)
        failed = False
    finally:
        if failed:
            for name in [*stack.processes, "nginx-error"]:
                tail = stack.tail(name, 25)
                if tail:
                    print(f"--- {name} (last lines) ---\n{tail}", file=sys.stderr)
        say("tearing down")
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal does not cut the teardown short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.down()
    say("prod-check passed")


if __name__ == "__main__":
    main()
