"""Shared helpers for benchmarks: recording figures with their ceiling and target."""

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
    return subprocess.run([str(ROOT / ".venv/bin/python"), str(ROOT / "manage.py"), *args], env=env, check=check)
