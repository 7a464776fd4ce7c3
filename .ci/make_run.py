"""First-run check for .ci/run: `make run` on a clean clone migrates a new SQLite database
(var/kabinet.sqlite3), loads the demo and serves it; the demo customer logs in and sees the
dashboard. Needs seed_demo (kabinet.demo)."""

import os
import signal
import subprocess
import sys
import time

from bench.common import ROOT, free_port, http_get, login

TIMEOUT = 300  # seconds: migrate + seed_demo --accounts 200 on a busy machine


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    log = ROOT / "var" / "ci-make-run.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            if proc.poll() is not None:
                sys.exit(f"make run exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                status, _headers, body = http_get(f"{base}/login/", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"make run did not serve {base}/login/ within {TIMEOUT}s:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        output = log.read_text()
        print(f"ok   make run serves {base}/login/")
        assert "alice@example.com / kabinet-demo" in output, "make run did not print the demo logins"
        print("ok   it printed the demo logins")
        assert b"kabinet-demo" in body, "the login page does not show the demo logins"
        cookie = login(base, "alice@example.com", "kabinet-demo")
        status, _headers, page = http_get(f"{base}/", headers={"Cookie": cookie + "; django_language=en"})
        assert status == 200 and b'id="meters-h"' in page and b"Latest invoices" in page, status
        print("ok   the demo customer logs in and sees the dashboard")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
