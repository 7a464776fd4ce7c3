"""Production smoke test for .ci/run: the app as deployed (settings from the environment:
DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL to PostgreSQL, REDIS_URL) migrates, collects
its static files and serves under gunicorn behind a TLS-terminating proxy."""

import os
import subprocess
import sys

from bench.common import ROOT, VENV_PYTHON, http_get, serve


def manage(*args: str) -> None:
    subprocess.run([str(VENV_PYTHON), str(ROOT / "manage.py"), *args], check=True)


def expect(what: str, ok: bool, detail: object = "") -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""), flush=True)
    if not ok:
        sys.exit(1)


def main() -> None:
    manage("migrate", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    # As nginx would forward it: the original request was HTTPS.
    https = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    # Keep SECURE_SSL_REDIRECT on (the production default) to check the proxy header handling.
    with serve(os.environ["DATABASE_URL"], env={"SECURE_SSL_REDIRECT": "1"}) as base:
        status, _, body = http_get(f"{base}/healthz")
        expect("/healthz answers plain HTTP (the load balancer's probe)", status == 200 and body == b"ok", status)
        status, headers, _ = http_get(f"{base}/login/", headers={"Host": "127.0.0.1"})
        expect("plain HTTP is redirected to HTTPS", status == 301 and headers["Location"].startswith("https://"))
        status, headers, body = http_get(f"{base}/login/", headers=https)
        expect("the login page is served", status == 200 and b'name="identifier"' in body, status)
        expect("HSTS is sent", "max-age=" in (headers["Strict-Transport-Security"] or ""))
        expect("the session and CSRF cookies are Secure", "Secure" in (headers["Set-Cookie"] or ""))
        expect("the demo logins are not shown", b"kabinet-demo" not in body)
        status, _, body = http_get(f"{base}/static/css/kabinet.css", headers=https)
        expect("static files are served (collectstatic + WhiteNoise)", status == 200 and len(body) > 100, status)
        status, headers, _ = http_get(f"{base}/", headers=https)
        expect("the dashboard asks anonymous visitors to log in", status == 302 and "/login/" in headers["Location"])
        status, _, _ = http_get(f"{base}/login/", headers={**https, "Host": "evil.example"})
        expect("an unknown Host is refused", status == 400, status)
        status, _, body = http_get(f"{base}/api/v1/openapi.json", headers=https)
        expect("the API publishes its OpenAPI schema", status == 200 and b'"openapi"' in body, status)


if __name__ == "__main__":
    main()
