"""gunicorn with several workers: /metrics adds up every worker's counters (prometheus_client's
multiprocess mode), and the domain's gauges appear once, not once per worker."""

import concurrent.futures
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict

from kabinet.observability.tests.helpers import names, value

ROOT = Path(__file__).resolve().parents[3]
REQUESTS = 24


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a local URL
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture
def gunicorn(tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "DATABASE_", "REDIS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="kabinet.settings",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        KABINET_VAR_DIR=str(tmp_path),
        METRICS_ALLOWED_IPS="127.0.0.1",
        LOG_LEVEL="CRITICAL",
    )
    argv = [
        str(Path(sys.executable).with_name("gunicorn")),
        "kabinet.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
    ]
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield base, metrics_dir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def test_every_worker_is_counted_and_the_domain_once(gunicorn):
    base, metrics_dir = gunicorn
    # Concurrent requests, so that both workers serve some. (The pages fail: this database has
    # no tables. They are counted all the same, before any middleware runs.)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: get(f"{base}/ping-{_}/"), range(REQUESTS)))
    served = {}  # worker pid -> requests it counted, read from its own file
    for path in metrics_dir.glob("counter_*.db"):
        for key, count, *_rest in MmapedDict.read_all_values_from_file(str(path)):
            if '"django_http_requests_before_middlewares_total"' in key:
                served[path.stem] = served.get(path.stem, 0) + count
    assert len(served) == 2 and all(served.values()) and sum(served.values()) == REQUESTS, served

    for _scrape in range(4):  # whichever worker answers, the same sums
        status, text = get(f"{base}/metrics")
        assert status == 200
        assert value(text, "django_http_requests_before_middlewares_total") == REQUESTS
        assert names(text).count("kabinet_domain_metrics_up") == 1
        assert names(text).count("kabinet_periodic_job_failures") == 1


def test_a_stranger_is_refused_by_the_real_server_too(gunicorn):
    base, _ = gunicorn
    request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": "Bearer guess"})
    try:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 - a local URL
    except urllib.error.HTTPError as error:
        assert error.code == 403
    else:
        raise AssertionError("a wrong token was let in")
